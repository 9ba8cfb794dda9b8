/** @odoo-module **/

import { Component } from '@odoo/owl';
import { loadJS } from '@web/core/assets';
import publicWidget from '@web/legacy/js/public/public_widget';
import '@website_sale/js/website_sale';

/**
 * Refresh Tamara's widgets after their amount changed; never fails when the script is missing.
 */
function refreshTamaraWidgets() {
    try {
        window.TamaraWidgetV2?.refresh?.();
    } catch (error) {
        console.warn('Tamara widget refresh failed', error);
    }
}

/**
 * Set the amount of the widgets of a placement, in a locale-independent format.
 *
 * @param {string} placement - 'product', 'cart' or 'checkout'.
 * @param {number} amount - The amount to promote.
 * @param {Element} root - Where to look for the widgets.
 */
function setTamaraAmount(placement, amount, root = document) {
    const containers = root.querySelectorAll(`.o_aps_tamara_widget[data-placement="${placement}"]`);
    if (!containers.length || !Number.isFinite(amount)) {
        return;
    }
    for (const container of containers) {
        const decimals = parseInt(container.dataset.decimalPlaces || '2');
        container.querySelector('tamara-widget')?.setAttribute('amount', amount.toFixed(decimals));
    }
    refreshTamaraWidgets();
}

publicWidget.registry.APSTamaraWidget = publicWidget.Widget.extend({
    selector: '.o_aps_tamara_widget',

    /**
     * Load Tamara's script without making the page wait for it. The server-rendered text stays
     * when the script cannot be loaded; it gives way to the widget once the script runs.
     *
     * @override
     */
    start() {
        const { scriptUrl, publicKey, lang, country } = this.el.dataset;
        if (scriptUrl && publicKey) {
            // The script reads its configuration when it runs, so it must exist before.
            window.tamaraWidgetConfig = window.tamaraWidgetConfig || { lang, country, publicKey };
            loadJS(scriptUrl).then(() => {
                if (window.TamaraWidgetV2 && this.el.isConnected) {
                    this.el.querySelector('.o_aps_tamara_fallback')?.classList.add('d-none');
                    this.el.classList.add('o_aps_tamara_widget_loaded');
                    refreshTamaraWidgets();
                }
            }).catch(() => {
                this.el.classList.add('o_aps_tamara_widget_unavailable');
            });
        }
        // website_sale sends [amount, minor amount] when the cart's quantities change.
        this._onCartAmountChanged = (ev) => setTamaraAmount('cart', ev.detail[0]);
        Component.env.bus.addEventListener('cart_amount_changed', this._onCartAmountChanged);
        return this._super(...arguments);
    },

    /**
     * @override
     */
    destroy() {
        if (this._onCartAmountChanged) {
            Component.env.bus.removeEventListener('cart_amount_changed', this._onCartAmountChanged);
        }
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
        const parent = $parent?.[0];
        if (parent?.closest('.js_main_product') || parent?.classList.contains('js_main_product')) {
            const quantity = parseFloat(parent.querySelector('input[name="add_qty"]')?.value || 1);
            setTamaraAmount('product', combination.price * (quantity > 0 ? quantity : 1));
        }
        return result;
    },
});

export { refreshTamaraWidgets, setTamaraAmount };
