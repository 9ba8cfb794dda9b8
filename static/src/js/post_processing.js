/** @odoo-module **/

import paymentPostProcessing from '@payment/js/post_processing';

paymentPostProcessing.include({
    /**
     * Land on the order's page when a Tamara payment is pending at APS: the shopper sees that it
     * awaits confirmation instead of waiting on the status page for the notification.
     *
     * @override method from `@payment/js/post_processing`
     * @param {string} providerCode - The code of the provider handling the transaction.
     */
    _getFinalStates(providerCode) {
        const finalStates = this._super(...arguments);
        if (providerCode === 'aps_tamara') {
            finalStates.add('pending');
        }
        return finalStates;
    },
});
