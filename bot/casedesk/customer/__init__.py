"""What the customer sees and is told: the web chat page, progress lookup, notices (SMS,
WeChat), the 回访 survey and ratings."""
