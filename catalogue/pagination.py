"""Page-number pagination that says so when `page` or `page_size` is not a page there is.

Either is a 400 naming the parameter (the lists document 400 for invalid input), never DRF's
404 "Invalid page." for a list that exists.
"""

from django.utils.translation import gettext as _
from rest_framework import pagination
from rest_framework.exceptions import ValidationError


class PageNumberPagination(pagination.PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None or raw == "":
            return self.page_size
        # isdigit() alone lets "²" through to int(); the length keeps int() off 5,000 digits.
        if not (raw.isascii() and raw.isdigit() and len(raw) <= 9 and 1 <= int(raw) <= self.max_page_size):
            raise ValidationError(
                {
                    self.page_size_query_param: [
                        _("Enter a whole number from 1 to %(max)d.") % {"max": self.max_page_size}
                    ]
                }
            )
        return int(raw)

    def get_page_number(self, request, paginator):
        raw = request.query_params.get(self.page_query_param) or "1"
        if raw in self.last_page_strings:
            return paginator.num_pages
        if not (raw.isascii() and raw.isdigit()) or not raw.strip("0"):
            raise ValidationError({self.page_query_param: [_("Enter a whole number from 1.")]})
        if len(raw.lstrip("0")) > 9 or int(raw) > paginator.num_pages:  # no int() of 5,000 digits
            raise ValidationError(
                {
                    self.page_query_param: [
                        _("There is no page %(page)s; the last is %(last)d.")
                        % {"page": raw[:20], "last": paginator.num_pages}
                    ]
                }
            )
        return int(raw)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_query_param:
                parameter["schema"]["minimum"] = 1
            elif parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size)
        return parameters
