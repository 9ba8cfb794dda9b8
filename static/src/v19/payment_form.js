/** @odoo-module **/

import { PaymentForm } from '@payment/interactions/payment_form';
import { patch } from '@web/core/utils/patch';

import {
    addTamaraPhoneParam, checkTamaraPhoneInput, getTamaraPhoneInput,
} from '@payment_aps_tamara/common/tamara_mobile';

patch(PaymentForm.prototype, {
    /**
     * Ask for the customer's mobile number under the Tamara option before going to Tamara, when
     * the server rendered the field because the customer has none Tamara can use.
     *
     * @override method from `@payment/interactions/payment_form`
     */
    async _initiatePaymentFlow(providerCode, paymentOptionId, paymentMethodCode, flow) {
        if (providerCode === 'aps_tamara' && !checkTamaraPhoneInput(this._apsTamaraGetPhoneInput())) {
            this._enableButton(); // The button has been disabled before initiating the flow.
            return;
        }
        return super._initiatePaymentFlow(...arguments);
    },

    /**
     * Send the mobile number typed in under the Tamara option with the transaction request.
     *
     * @override method from `@payment/interactions/payment_form`
     */
    _prepareTransactionRouteParams() {
        const params = super._prepareTransactionRouteParams(...arguments);
        if (this.paymentContext.providerCode === 'aps_tamara') {
            addTamaraPhoneParam(params, this._apsTamaraGetPhoneInput());
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
        return getTamaraPhoneInput(this.el, (radio) => this._getInlineForm(radio));
    },
});
