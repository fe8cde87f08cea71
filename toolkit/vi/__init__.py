"""Vietnamese knowledge, one home per concept: names and titles (names), dates and datelines (dates),
document codes (codes), site chrome (chrome), event types (events). Data lives in toolkit/data/."""
