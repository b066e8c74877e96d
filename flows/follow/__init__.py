"""Follow-up actions on a result (issue 10 item 5): the buttons under a Result View and their wizards."""
