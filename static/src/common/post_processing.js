/** @odoo-module **/

/**
 * Add the states in which the status page stops waiting for a Tamara transaction: a payment
 * pending at APS is final, so that the shopper lands on the order's page, which says that it
 * awaits confirmation, instead of waiting on the status page for the notification.
 *
 * @param {string} providerCode - The code of the provider handling the transaction.
 * @param {Set<string>} finalStates - The payment framework's final states, updated in place.
 * @return {Set<string>} The final states.
 */
export function addTamaraFinalStates(providerCode, finalStates) {
    if (providerCode === 'aps_tamara') {
        finalStates.add('pending');
    }
    return finalStates;
}
