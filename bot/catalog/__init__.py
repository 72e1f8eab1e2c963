"""Campaigns, forms and criteria as data: the YAML shapes (form_files.py for criteria sets,
outlines and forms; campaign_files.py for campaigns, unit kinds and demo units; both built of
file_fields.py), reading and checking them (loading.py), the catalog itself (model.py),
spreadsheets people typed (sheets.py) and the limits every imported field keeps
(field_limits.py), criterion texts from a spreadsheet (form_import.py), where a campaign stands
in time (campaign_time.py), the demo's additions (living_demo.py) and the packaged YAML under
data/."""
