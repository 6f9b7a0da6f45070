"""Signals for apps above accounts, which accounts must not import.

* `user_deleting(user)`: sent inside the deletion transaction, before the row goes, so the
  events app can free the person's seats and hand over or cancel what they organised.
* `export_requested(user)`: each receiver returns `(section_name, json_data)` for the person's
  data export, so the export stays complete as apps are added.
"""

from django.dispatch import Signal

user_deleting = Signal()
export_requested = Signal()
