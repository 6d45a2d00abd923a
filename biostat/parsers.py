"""The REST API's JSON parser. Its own module: DRF reads DEFAULT_PARSER_CLASSES while importing
its views, so this must not import them (biostat.api does)."""

from rest_framework import exceptions, parsers

# Python's JSON parser recurses once per level of nesting and gives up near 1,000 levels.
JSON_TOO_DEEP = "JSON parse error - the document is nested too deeply."


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, answering JSON nested past Python's recursion limit with a 400, not a 500."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError(JSON_TOO_DEEP) from None
