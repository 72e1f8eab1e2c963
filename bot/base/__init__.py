"""The shared base every feature stands on: records and ports, effects, events and inputs, the
command and button vocabularies, conversation state, text, i18n, the clock and spreadsheets."""
