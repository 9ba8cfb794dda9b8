/** @odoo-module **/

// Tamara's promotional widgets (product page, cart, payment option): loading Tamara's script
// after the page and keeping the promoted amount current. Series-neutral: static/src/v18/ starts
// it from a publicWidget, static/src/v19/ from an Interaction, each with its own product page hook.

import { loadJS } from '@web/core/assets';

/**
 * Refresh Tamara's widgets after their amount changed; never fails when the script is missing.
 */
export function refreshTamaraWidgets() {
    try {
        window.TamaraWidgetV2?.refresh?.();
    } catch (error) {
        console.warn('Tamara widget refresh failed', error);
    }
}

/**
 * Set the amount of widgets, in a locale-independent format.
 *
 * @param {Iterable<Element>} containers - The widgets' containers (`.o_aps_tamara_widget`).
 * @param {number} amount - The amount to promote.
 */
function setWidgetsAmount(containers, amount) {
    if (!Number.isFinite(amount)) {
        return;
    }
    for (const container of containers) {
        const decimals = parseInt(container.dataset.decimalPlaces || '2');
        container.querySelector('tamara-widget')?.setAttribute('amount', amount.toFixed(decimals));
    }
    refreshTamaraWidgets();
}

/**
 * Set the amount of the widgets of a placement.
 *
 * @param {string} placement - 'product', 'cart' or 'checkout'.
 * @param {number} amount - The amount to promote.
 * @param {Element|Document} root - Where to look for the widgets.
 */
export function setTamaraAmount(placement, amount, root = document) {
    const containers = root.querySelectorAll(`.o_aps_tamara_widget[data-placement="${placement}"]`);
    if (containers.length) {
        setWidgetsAmount(containers, amount);
    }
}

/**
 * Make the product page widget promote the price of the selected variant and quantity, after
 * website_sale applied a new combination (variant or quantity) to a product form.
 *
 * @param {Element|undefined} parent - The product form (`.js_product`) the combination is of.
 * @param {object} combination - website_sale's combination info (`price` is the unit price).
 */
export function onTamaraProductCombination(parent, combination) {
    if (parent?.closest('.js_main_product') || parent?.classList.contains('js_main_product')) {
        const quantity = parseFloat(parent.querySelector('input[name="add_qty"]')?.value || 1);
        setTamaraAmount('product', combination.price * (quantity > 0 ? quantity : 1));
    }
}

/**
 * Start a widget: load Tamara's script without making the page wait for it, and, in the cart,
 * follow the cart's total. The server-rendered text stays when the script cannot be loaded; it
 * gives way to the widget once the script runs.
 *
 * @param {HTMLElement} el - The widget's container (`.o_aps_tamara_widget`).
 * @param {EventTarget} bus - The env's bus, on which website_sale reports the cart's amount.
 * @return {function} What stops it.
 */
export function startTamaraWidget(el, bus) {
    const { scriptUrl, publicKey, lang, country } = el.dataset;
    if (scriptUrl && publicKey) {
        // The script reads its configuration when it runs, so it must exist before.
        window.tamaraWidgetConfig = window.tamaraWidgetConfig || { lang, country, publicKey };
        loadJS(scriptUrl).then(() => {
            if (window.TamaraWidgetV2 && el.isConnected) {
                el.querySelector('.o_aps_tamara_fallback')?.classList.add('d-none');
                el.classList.add('o_aps_tamara_widget_loaded');
                refreshTamaraWidgets();
            }
        }).catch(() => {
            el.classList.add('o_aps_tamara_widget_unavailable');
        });
    }
    if (el.dataset.placement !== 'cart') {
        return () => {};
    }
    // website_sale sends [amount, minor amount] when the cart's quantities change.
    const onCartAmountChanged = (ev) => setWidgetsAmount([el], ev.detail[0]);
    bus.addEventListener('cart_amount_changed', onCartAmountChanged);
    return () => bus.removeEventListener('cart_amount_changed', onCartAmountChanged);
}
