/** @odoo-module **/

import PaymentForm from '@payment/js/payment_form';

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
            if (phoneInput && !phoneInput.value.trim()) {
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
