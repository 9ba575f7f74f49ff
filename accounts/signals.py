"""Events the accounts app sends, so that feature apps can react without accounts knowing them."""

from django.dispatch import Signal

# Sent inside the transaction that changed a learner's name on certificates, with the keyword
# argument user_id. Each receiver returns the titles of the courses whose certificates it re-issues.
certificate_name_changed = Signal()
