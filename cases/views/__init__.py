"""The portal's case pages, one module per kind of user (STYLE.md, "Pages for people").

Views parse a form, call the same selector or service the API calls, and render; who may do
what, masking and due dates are never derived here.
"""
