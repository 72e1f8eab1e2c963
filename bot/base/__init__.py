"""The shared base every feature stands on: forms, answer values and the codes people type; the
records, the report's status machine (report_status.py), deadlines and letterheads they carry;
the ports (ports.py, inbox.py, outbox.py); effects, events and inputs; the command and button
vocabularies and the router features add theirs to; the turn every feature is handed and the
settings it is given; conversation state, text, i18n and the clock."""
