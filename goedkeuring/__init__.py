"""Goedkeuring: the relatie's contact answers an invitation online, through a personal link.

The invitation e-mail carries a link with a random token (only its hash is stored). Opening it
asks for a one-time code sent to the contact; after the code, the contact sees what is asked
and approves online (signatories, a declaration and the signed form as a PDF), declines, or
downloads the form to post it. Every step is a ``Gebeurtenis`` on the intermediair's timeline.
"""
