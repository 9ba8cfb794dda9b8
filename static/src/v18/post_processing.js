/** @odoo-module **/

import paymentPostProcessing from '@payment/js/post_processing';

import { addTamaraFinalStates } from '@payment_aps_tamara/common/post_processing';

paymentPostProcessing.include({
    /**
     * Land on the order's page when a Tamara payment is pending at APS.
     *
     * @override method from `@payment/js/post_processing`
     * @param {string} providerCode - The code of the provider handling the transaction.
     */
    _getFinalStates(providerCode) {
        return addTamaraFinalStates(providerCode, this._super(...arguments));
    },
});
