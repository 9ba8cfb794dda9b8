"""APS status and message codes used by the sandbox (from the APS transaction codes list)."""

MESSAGES = {
    '000': 'Success',
    '001': 'Missing parameter',
    '002': 'Invalid parameter format',
    '004': 'Invalid command',
    '005': 'Invalid amount',
    '006': 'Technical problem',
    '007': 'Duplicate order number',
    '008': 'Signature mismatch',
    '009': 'Invalid merchant identifier',
    '010': 'Invalid access code',
    '013': 'Invalid currency',
    '027': 'Invalid extra parameters',
    '032': 'Invalid parameter length',
    '033': 'Parameter value not allowed',
    '034': 'Operation not allowed',
    '036': 'Order not found',
    '037': 'Missing return URL',
    '042': 'Operation amount exceeds the authorized amount',
    '048': 'Operation amount exceeds captured amount',
    '065': "Transaction waiting for customer's action",
    '066': 'Merchant reference already exists',
    '072': 'Transaction has been cancelled by the consumer',
    '073': 'Invalid request format',
    '080': 'Invalid payment option',
    '662': 'Operation not allowed, order not confirmed yet',
    '666': 'Transaction declined',
    '777': 'Processed but failed to receive confirmation',
}

INVALID_REQUEST = '00'
AUTHORIZED = '02'
CAPTURE_OK, CAPTURE_FAILED = '04', '05'
REFUND_OK, REFUND_FAILED = '06', '07'
VOID_OK, VOID_FAILED = '08', '09'
CHECK_FAILED, CHECK_OK = '11', '12'
PURCHASE_FAILED, PURCHASE_OK = '13', '14'
UNCERTAIN = '15'
PENDING = '19'
NOT_FINAL = (UNCERTAIN, PENDING)
"""Purchase statuses that APS settles later (by notification; CHECK_STATUS meanwhile)."""

PENDING_MESSAGE = '065'
"""Message code used with status 19 (documented message, chosen by the sandbox)."""
ON_HOLD_MESSAGE = '777'
"""15777 "Processed but failed to receive confirmation": on hold in APS' official plugins."""
TECHNICAL_PROBLEM = '006'
"""xx006: on hold in APS' official plugins (06006 for a refund whose outcome comes later)."""


class Result:
    """An APS outcome: 2-digit status plus 3-digit message code."""

    __slots__ = ('status', 'message_code')

    def __init__(self, status, message_code='000'):
        self.status = status
        self.message_code = message_code

    @property
    def response_code(self):
        """The 5-digit ``response_code``."""
        return self.status + self.message_code

    @property
    def response_message(self):
        """The English ``response_message``."""
        return MESSAGES[self.message_code]

    def fields(self):
        """The three response fields APS adds for this outcome."""
        return {
            'response_code': self.response_code,
            'response_message': self.response_message,
            'status': self.status,
        }

    def __repr__(self):
        return f'Result({self.response_code})'


class ApsError(Exception):
    """A request rejected with an APS result (status ``00`` unless stated)."""

    def __init__(self, message_code, status=INVALID_REQUEST):
        super().__init__(f'{status}{message_code} {MESSAGES[message_code]}')
        self.result = Result(status, message_code)
