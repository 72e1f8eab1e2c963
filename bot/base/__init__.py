"""The shared base every feature stands on: records and ports (records.py, ports.py; the inbox's
and the outbox's, each beside its records, in inbox.py and outbox.py), effects, events and inputs,
the command and button vocabularies, conversation state, forms and their questions (forms.py),
answer values (answers.py), a report's statuses and moves (report_status.py), its deadline and
reminder plan (deadline.py), a unit's letterhead (letterhead.py), the codes people type
(codes.py), text, i18n and the clock."""
