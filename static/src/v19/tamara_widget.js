/** @odoo-module **/

import { registry } from '@web/core/registry';
import { patch } from '@web/core/utils/patch';
import { Interaction } from '@web/public/interaction';
import { WebsiteSale } from '@website_sale/interactions/website_sale';

import {
    onTamaraProductCombination, startTamaraWidget,
} from '@payment_aps_tamara/common/tamara_widget';

export class APSTamaraWidget extends Interaction {
    static selector = '.o_aps_tamara_widget';

    start() {
        this.registerCleanup(startTamaraWidget(this.el, this.env.bus));
    }
}

registry.category('public.interactions').add('payment_aps_tamara.widget', APSTamaraWidget);

patch(WebsiteSale.prototype, {
    /**
     * Make the product page widget promote the price of the selected variant and quantity.
     *
     * @override method from `@website_sale/js/variant_mixin` (an Element here, not jQuery)
     */
    _onChangeCombination(ev, parent, combination) {
        const result = super._onChangeCombination(...arguments);
        onTamaraProductCombination(parent, combination);
        return result;
    },
});
