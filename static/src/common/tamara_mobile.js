/** @odoo-module **/

// The mobile number asked under the Tamara option at checkout, checked in the browser before the
// shopper leaves the shop. Series-neutral: each series' payment form patch (static/src/v18/,
// static/src/v19/) calls these functions from its own hooks.

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

/**
 * Return the mobile number field rendered under the selected Tamara option, if any.
 *
 * @param {Element} formEl - The payment form (`#o_payment_form`).
 * @param {function(HTMLInputElement): Element|null} getInlineForm - The form's `_getInlineForm`.
 * @return {HTMLInputElement|null}
 */
export function getTamaraPhoneInput(formEl, getInlineForm) {
    const checkedRadio = formEl.querySelector('input[name="o_payment_radio"]:checked');
    return (checkedRadio && getInlineForm(checkedRadio)?.querySelector(
        'input[name="o_aps_tamara_phone"]'
    )) || null;
}

/**
 * Check the mobile number field, if rendered: mark it invalid and focus it when the number is not
 * a mobile Tamara can use. An empty and an unusable number get the same message, under the
 * field; the server checks the number again (with `phonenumbers`) before the shopper leaves.
 *
 * @param {HTMLInputElement|null} phoneInput
 * @return {boolean} Whether the payment flow may go on.
 */
export function checkTamaraPhoneInput(phoneInput) {
    if (!phoneInput) {
        return true;
    }
    if (!isTamaraMobile(phoneInput.value)) {
        phoneInput.classList.add('is-invalid');
        phoneInput.focus();
        return false;
    }
    phoneInput.classList.remove('is-invalid');
    return true;
}

/**
 * Add the typed mobile number, if the field is rendered, to the transaction route's params.
 *
 * @param {object} params - The transaction route params, updated in place.
 * @param {HTMLInputElement|null} phoneInput
 * @return {object} The params.
 */
export function addTamaraPhoneParam(params, phoneInput) {
    if (phoneInput) {
        params.aps_tamara_phone = phoneInput.value.trim();
    }
    return params;
}
