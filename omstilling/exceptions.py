class ServiceError(Exception):
    """A business rule said no. The message is written for the person who tried."""

    def __init__(self, message, *, field=None):
        super().__init__(str(message))
        self.message = message
        self.field = field
