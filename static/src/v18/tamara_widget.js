/** @odoo-module **/

import { Component } from '@odoo/owl';
import publicWidget from '@web/legacy/js/public/public_widget';
import '@website_sale/js/website_sale';

import {
    onTamaraProductCombination, startTamaraWidget,
} from '@payment_aps_tamara/common/tamara_widget';

publicWidget.registry.APSTamaraWidget = publicWidget.Widget.extend({
    selector: '.o_aps_tamara_widget',

    /**
     * @override
     */
    start() {
        this._stopTamaraWidget = startTamaraWidget(this.el, Component.env.bus);
        return this._super(...arguments);
    },

    /**
     * @override
     */
    destroy() {
        this._stopTamaraWidget?.();
        this._super(...arguments);
    },
});

publicWidget.registry.WebsiteSale.include({
    /**
     * Make the product page widget promote the price of the selected variant and quantity.
     *
     * @override
     */
    _onChangeCombination(ev, $parent, combination) {
        const result = this._super(...arguments);
        onTamaraProductCombination($parent?.[0], combination);
        return result;
    },
});
