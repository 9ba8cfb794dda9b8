/** @odoo-module **/

import PaymentForm from '@payment/js/payment_form';

// Saudi and Emirati mobile numbers without country code or trunk 0: the mobile patterns of
// libphonenumber's metadata (https://github.com/google/libphonenumber, territories SA and AE),
// which the server applies through `phonenumbers`.
const MOBILE_PATTERNS = {
    966: /^(?:579[0-8]\d{5}|5(?:[013-689]\d|7[0-8])\d{6})$/,
    971: /^5[02-68]\d{7}$/,
};

/**
 * Tell whether a number as typed by a shopper reads as a Saudi or Emirati mobile number, on which
 * Tamara can send its code: spaces, dashes, dots and brackets are ignored, Arabic-Indic digits
 * are read as digits, and a national number (05X XXX XXXX) may be of either country.
 *
 * @param {string} value - The number as typed.
 * @return {boolean}
 */
export function isTamaraMobile(value) {
    let digits = (value || '').trim()
        .replace(/[\u0660-\u0669]/g, (d) => String(d.charCodeAt(0) - 0x0660))
        .replace(/[\u06f0-\u06f9]/g, (d) => String(d.charCodeAt(0) - 0x06f0))
        .replace(/[\s().\-\u200e\u200f]/g, '');
    const international = /^(?:\+|00)/.test(digits);
    digits = digits.replace(/^(?:\+|00)/, '');
    if (!/^\d+$/.test(digits)) {
        return false;
    }
    for (const [code, pattern] of Object.entries(MOBILE_PATTERNS)) {
        if (digits.startsWith(code) && pattern.test(digits.slice(code.length).replace(/^0/, ''))) {
            return true;
        }
    }
    return !international && Object.values(MOBILE_PATTERNS).some(
        (pattern) => pattern.test(digits.replace(/^0/, ''))
    );
}

PaymentForm.include({
    /**
     * Ask for the customer's mobile number under the Tamara option before going to Tamara, when
     * the server rendered the field because the customer has none Tamara can use.
     *
     * @override method from `@payment/js/payment_form`
     */
    async _initiatePaymentFlow(providerCode, paymentOptionId, paymentMethodCode, flow) {
        if (providerCode === 'aps_tamara') {
            const phoneInput = this._apsTamaraGetPhoneInput();
            // An empty and an unusable number get the same message, under the field; the server
            // checks the number again (with `phonenumbers`) before the shopper leaves the shop.
            if (phoneInput && !isTamaraMobile(phoneInput.value)) {
                phoneInput.classList.add('is-invalid');
                phoneInput.focus();
                this._enableButton(); // The button has been disabled before initiating the flow.
                return;
            }
            phoneInput?.classList.remove('is-invalid');
        }
        return this._super(...arguments);
    },

    /**
     * Send the mobile number typed in under the Tamara option with the transaction request.
     *
     * @override method from `@payment/js/payment_form`
     */
    _prepareTransactionRouteParams() {
        const params = this._super(...arguments);
        if (this.paymentContext.providerCode === 'aps_tamara') {
            const phoneInput = this._apsTamaraGetPhoneInput();
            if (phoneInput) {
                params.aps_tamara_phone = phoneInput.value.trim();
            }
        }
        return params;
    },

    /**
     * Return the mobile number field of the selected Tamara option, if rendered.
     *
     * @private
     * @return {HTMLInputElement|null}
     */
    _apsTamaraGetPhoneInput() {
        const checkedRadio = this.el.querySelector('input[name="o_payment_radio"]:checked');
        return checkedRadio && this._getInlineForm(checkedRadio)?.querySelector(
            'input[name="o_aps_tamara_phone"]'
        );
    },
});
