"""Quality rules for what the bank says to a customer, by the bot or by an agent (质检)."""
