"""zh_Hans formats with the fixes Chinese finance staff expect.

Django's own zh_Hans formats have no thousands separator (NUMBER_GROUPING = 4, separator '') and an
invalid date input format ('%Y年%n月%j日'); these overrides give 1,234,567.89 and accept 2026年9月5日.
"""

from django.conf.locale.zh_Hans.formats import *  # noqa: F403

THOUSAND_SEPARATOR = ","
DECIMAL_SEPARATOR = "."
NUMBER_GROUPING = 3
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%Y/%m/%d", "%Y年%m月%d日", "%Y.%m.%d", "%Y%m%d"]
DATETIME_INPUT_FORMATS = ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y年%m月%d日 %H:%M", "%Y-%m-%d"]
