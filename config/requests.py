"""Requests no browser sends, answered 400 before they reach anything that would choke.

- A NUL character in the query string: PostgreSQL text cannot hold one, so a filter with
  it (the admin's list filters take any parameter) failed inside the database.
- A form body in a character set other than UTF-8: every page is UTF-8 and browsers post
  back in it; Django decoding a form sent as UTF-16 failed while checking its CSRF token.
"""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest

READABLE_CHARSETS = {"utf-8", "utf8", "us-ascii", "ascii"}


class RejectUnreadableRequestsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "\x00" in request.META.get("QUERY_STRING", "") or any(
            "\x00" in key or any("\x00" in value for value in values)
            for key, values in request.GET.lists()
        ):
            return HttpResponseBadRequest("Bad request: a NUL character is not allowed.")
        charset = request.content_params.get("charset", "utf-8").strip().lower()
        if request.method == "POST" and charset not in READABLE_CHARSETS:
            return HttpResponseBadRequest("Bad request: send forms as UTF-8.")
        return self.get_response(request)
