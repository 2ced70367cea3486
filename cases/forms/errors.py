"""Putting the API's messages beside the fields of a page's form.

A filing form (forms/apply.py, forms/clerk.py) runs `CaseCreateSerializer` on what was typed and
registration's own checks; their messages name the API's fields (`applicant.id_number`,
`cooperating[1].office`, `materials`, `contact`). `ApiErrorsMixin` maps each to the form field it
is about, so a page says the API's message beside the field; what belongs to no visible field goes
to the top of the form. A form says where the API's names go with `FIELD_FOR` and, where that
depends on what was typed, the hooks `field_for`, `nested_field` and `entry_field`.
"""

from django.core.exceptions import ValidationError


class ApiErrorsMixin:
    # The API's (or registration's) field name → this form's field name.
    FIELD_FOR: dict[str, str] = {}

    def field_for(self, key: str) -> str | None:
        """The form field a message about the API's `key` goes beside (None: the top of the form)."""
        return self.FIELD_FOR.get(key, key)

    def nested_field(self, key: str, field: str) -> str:
        """Where a message about `field` of a nested object (`applicant`, `contact`) goes."""
        return field

    def entry_field(self, key: str, position: int) -> str:
        """Where a message about entry `position` (from 1) of a list (`cooperating`, `materials`) goes."""
        return key

    def serializer_errors(self, errors: dict) -> None:
        """Put `CaseCreateSerializer`'s errors beside the fields they are about."""
        for key, value in errors.items():
            if isinstance(value, list) and value and isinstance(value[0], dict):
                value = dict(enumerate(value))  # a list's errors, entry by entry (older DRF)
            if isinstance(value, dict) and all(isinstance(index, int) for index in value):
                # A list's errors by index (DRF 3.15+ sends only the entries in error).
                for index, entry in value.items():
                    messages = entry.values() if isinstance(entry, dict) else [entry]
                    for message in messages:
                        self.put_error(self.entry_field(key, index + 1), message)
            elif isinstance(value, dict):
                for field, messages in value.items():
                    self.put_error(self.nested_field(key, field), messages)
            else:
                self.put_error(key, value)

    def add_errors(self, error: ValidationError) -> None:
        """Put registration's messages (field → message) beside the fields they are about."""
        for key, messages in getattr(error, "message_dict", {"": error.messages}).items():
            self.put_error(key, messages)

    def put_error(self, key: str, messages) -> None:
        if isinstance(messages, (str, dict)):
            messages = [messages]
        field = self.field_for(key) if key else None
        if field not in self.fields or self.fields[field].widget.is_hidden:
            field = None  # about no field the person can correct: the top of the form
        if field is not None and field in self.errors:
            return  # the field's own message (e.g. "This field is required.") says it already
        for message in messages:
            self.add_error(field, str(message))
