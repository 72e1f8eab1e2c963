"""The shared base every feature stands on: records and ports, effects, events and inputs, the
command and button vocabularies, conversation state, forms and their questions (forms.py), answer
values (answers.py), a report's statuses and moves (report_status.py), the codes people type
(codes.py), text, i18n, the clock and spreadsheets."""
