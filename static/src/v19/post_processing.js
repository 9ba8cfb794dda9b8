/** @odoo-module **/

import { PaymentPostProcessing } from '@payment/interactions/post_processing';
import { patch } from '@web/core/utils/patch';

import { addTamaraFinalStates } from '@payment_aps_tamara/common/post_processing';

// 19 asks the class, not the instance, for the final states.
patch(PaymentPostProcessing, {
    /**
     * Land on the order's page when a Tamara payment is pending at APS.
     *
     * @override method from `@payment/interactions/post_processing`
     * @param {string} providerCode - The code of the provider handling the transaction.
     */
    getFinalStates(providerCode) {
        return addTamaraFinalStates(providerCode, super.getFinalStates(...arguments));
    },
});
