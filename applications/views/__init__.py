"""Views of the applicant portal: thin — parse the request, call a service or selector, render."""
