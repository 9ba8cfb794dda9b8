"""HTML of the hosted Tamara checkout, the return form and the overview page.

Stable hooks for tests and browser tours: ``form#tamara_signin`` (``input[name=email]``,
``input[name=phone]``), ``#tamara_otp_code``, ``form#tamara_otp`` (``input[name=otp]``),
``#tamara_error``, ``form#tamara_plan`` with ``button[name=action][value=approve|decline|cancel]``
(every step form also has the ``cancel`` button), ``form#aps_return_form`` and
``#tamara_done`` / ``#aps_error``.
"""
import datetime
import html

TEXTS = {
    'en': {
        'title': 'Tamara (sandbox)',
        'signin': 'Sign in to pay with Tamara',
        'email': 'Email',
        'phone': 'Phone number',
        'continue': 'Continue',
        'cancel': 'Cancel and return to the store',
        'otp_intro': 'Enter the one-time code we sent to your phone.',
        'otp_code': 'Your code is',
        'otp': 'Verification code',
        'verify': 'Verify',
        'wrong_otp': 'The code is not correct. Try again.',
        'plan': 'Split your payment in 4, interest-free',
        'order': 'Order',
        'total': 'Total',
        'instalment': 'Payment',
        'approve': 'Approve and pay',
        'decline': 'Decline',
        'redirect': 'Returning to the store…',
        'submit': 'Continue to the store',
        'done': 'Your payment has been processed. You can close this window.',
        'finished': 'This checkout session is already finished.',
    },
    'ar': {
        'title': 'تمارا (بيئة تجريبية)',
        'signin': 'سجّل الدخول للدفع عبر تمارا',
        'email': 'البريد الإلكتروني',
        'phone': 'رقم الجوال',
        'continue': 'متابعة',
        'cancel': 'إلغاء والعودة إلى المتجر',
        'otp_intro': 'أدخل رمز التحقق المرسل إلى جوالك.',
        'otp_code': 'رمزك هو',
        'otp': 'رمز التحقق',
        'verify': 'تحقق',
        'wrong_otp': 'الرمز غير صحيح. حاول مرة أخرى.',
        'plan': 'قسّم دفعتك على 4 بدون فوائد',
        'order': 'الطلب',
        'total': 'الإجمالي',
        'instalment': 'الدفعة',
        'approve': 'موافقة والدفع',
        'decline': 'رفض',
        'redirect': 'جارٍ العودة إلى المتجر…',
        'submit': 'متابعة إلى المتجر',
        'done': 'تمت معالجة الدفع. يمكنك إغلاق هذه النافذة.',
        'finished': 'انتهت جلسة الدفع هذه بالفعل.',
    },
}

STYLE = (
    'body{font-family:sans-serif;max-width:36em;margin:2em auto;padding:0 1em}'
    'label{display:block;margin:.6em 0}input{display:block;width:100%;padding:.4em}'
    'button{margin:.6em .3em .6em 0;padding:.5em 1em}.error{color:#b00}'
    'table{border-collapse:collapse;font-size:.85em}td,th{border:1px solid #ccc;padding:.2em .4em}'
)

esc = html.escape


def document(title, body, language='en', status_line=''):
    """Wrap ``body`` in a complete HTML page (RTL for Arabic)."""
    direction = 'rtl' if language == 'ar' else 'ltr'
    return (
        f'<!DOCTYPE html><html lang="{esc(language)}" dir="{direction}"><head><meta charset="utf-8">'
        f'<title>{esc(title)}</title><style>{STYLE}</style></head><body>{status_line}{body}</body></html>'
    )


def _cancel_button(t):
    return f'<button type="submit" name="action" value="cancel" formnovalidate>{esc(t["cancel"])}</button>'


def signin_page(tx, action):
    """Step 1: email + phone, prefilled from the APS request."""
    t = TEXTS[tx['language']]
    body = (
        f'<h1>{esc(t["signin"])}</h1>'
        f'<form id="tamara_signin" method="post" action="{esc(action)}">'
        f'<label>{esc(t["email"])}<input type="email" name="email" value="{esc(tx["email"])}" required></label>'
        f'<label>{esc(t["phone"])}<input type="tel" name="phone" value="{esc(tx["phone"])}" required></label>'
        f'<button type="submit" name="action" value="signin">{esc(t["continue"])}</button>'
        f'{_cancel_button(t)}</form>'
    )
    return document(t['title'], body, tx['language'])


def otp_page(tx, action, wrong=False):
    """Step 2: the one-time code, shown on screen like Tamara's sandbox."""
    t = TEXTS[tx['language']]
    error = f'<p id="tamara_error" class="error">{esc(t["wrong_otp"])}</p>' if wrong else ''
    body = (
        f'<h1>{esc(t["otp"])}</h1><p>{esc(t["otp_intro"])}</p>'
        f'<p id="tamara_otp_hint">{esc(t["otp_code"])} <strong id="tamara_otp_code">{esc(tx["otp"])}</strong></p>'
        f'{error}<form id="tamara_otp" method="post" action="{esc(action)}">'
        f'<label>{esc(t["otp"])}<input type="text" name="otp" inputmode="numeric" autocomplete="one-time-code" '
        f'required></label><button type="submit" name="action" value="verify">{esc(t["verify"])}</button>'
        f'{_cancel_button(t)}</form>'
    )
    return document(t['title'], body, tx['language'])


def plan_page(tx, action, description):
    """Step 3: the instalment plan with Approve / Decline / Cancel."""
    t = TEXTS[tx['language']]
    quarter, rest = divmod(tx['amount'], 4)
    rows = ''.join(
        f'<tr><td>{esc(t["instalment"])} {i + 1}</td>'
        f'<td>{_major(quarter + (rest if i == 0 else 0))} {esc(tx["currency"])}</td></tr>'
        for i in range(4)
    )
    body = (
        f'<h1>{esc(t["plan"])}</h1><p>{esc(t["order"])}: <span id="tamara_order">{esc(description)}</span></p>'
        f'<p>{esc(t["total"])}: <strong id="tamara_total">{_major(tx["amount"])} {esc(tx["currency"])}</strong></p>'
        f'<table id="tamara_schedule">{rows}</table>'
        f'<form id="tamara_plan" method="post" action="{esc(action)}">'
        f'<button type="submit" name="action" value="approve">{esc(t["approve"])}</button>'
        f'<button type="submit" name="action" value="decline">{esc(t["decline"])}</button>'
        f'{_cancel_button(t)}</form>'
    )
    return document(t['title'], body, tx['language'])


def _major(minor):
    """Minor units (SAR/AED have 2 decimals) as a display string."""
    return f'{minor / 100:.2f}'


def return_form_page(url, payload, language='en'):
    """The signed result, auto-submitted to the merchant's return_url (JS + visible button)."""
    t = TEXTS.get(language, TEXTS['en'])
    fields = ''.join(
        f'<input type="hidden" name="{esc(name)}" value="{esc(str(value))}">' for name, value in payload.items()
    )
    body = (
        f'<p>{esc(t["redirect"])}</p><form id="aps_return_form" method="post" action="{esc(url)}">{fields}'
        f'<button type="submit" id="aps_return_submit">{esc(t["submit"])}</button></form>'
        '<script>document.getElementById("aps_return_form").submit();</script>'
    )
    return document('Amazon Payment Services', body, language)


def message_page(key, language='en'):
    """A plain message page (``#tamara_done``): window can be closed / session finished."""
    t = TEXTS.get(language, TEXTS['en'])
    return document(t['title'], f'<p id="tamara_done">{esc(t[key])}</p>', language)


def error_page(fields):
    """The APS error page used when no valid return_url is available (HTTP 400)."""
    items = ''.join(
        f'<dt>{esc(name)}</dt><dd data-name="{esc(name)}">{esc(str(value))}</dd>' for name, value in fields.items()
    )
    return document('Amazon Payment Services - error', f'<h1>Invalid request</h1><dl id="aps_error">{items}</dl>')


def overview_page(transactions, deliveries):
    """``GET /``: transactions and notification deliveries, latest first."""
    tx_rows = ''.join(
        '<tr>' + ''.join(f'<td>{esc(str(row[c]))}</td>' for c in TX_COLUMNS[:-1])
        + f'<td>{_when(row["created_at"])}</td></tr>'
        for row in transactions
    )
    delivery_rows = ''.join(
        '<tr>' + ''.join(f'<td>{esc(str(row[c]))}</td>' for c in DELIVERY_COLUMNS[:-1])
        + f'<td>{_when(row["due_at"])}</td></tr>'
        for row in deliveries
    )
    body = (
        '<h1>APS sandbox</h1><h2>Transactions</h2><table id="transactions"><tr>'
        + ''.join(f'<th>{c}</th>' for c in TX_COLUMNS) + f'</tr>{tx_rows}</table>'
        '<h2>Notification deliveries</h2><table id="deliveries"><tr>'
        + ''.join(f'<th>{c}</th>' for c in DELIVERY_COLUMNS) + f'</tr>{delivery_rows}</table>'
    )
    return document('APS sandbox', body)


TX_COLUMNS = ('fort_id', 'merchant_identifier', 'merchant_reference', 'amount', 'currency', 'step', 'status',
              'response_code', 'captured_amount', 'refunded_amount', 'created_at')
DELIVERY_COLUMNS = ('id', 'fort_id', 'command', 'response_code', 'url', 'format', 'state', 'attempts',
                    'max_attempts', 'note', 'due_at')


def _when(timestamp):
    """A UTC timestamp for the overview tables."""
    return datetime.datetime.fromtimestamp(timestamp, datetime.timezone.utc).strftime('%Y-%m-%d %H:%M:%S')
