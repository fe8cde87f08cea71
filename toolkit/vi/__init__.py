"""Vietnamese knowledge, one home per concept: names and titles (names), dates and datelines (dates),
numbers (numbers: reading one; number_spans: finding and classifying them in a text),
document codes (codes), site chrome (chrome), event types (events), provinces before and after the 2025
merger (places), periods and years as reports and questions name them (periods), question analysis
(question). Data lives in toolkit/data/ (vi_people.json,
vi_events.json)."""
