"""The programme leader's worklist on the admin's front page (``templates/admin/index.html``)."""

from django import template

from projects.worklist import leader_worklist as _leader_worklist

register = template.Library()


@register.simple_tag(takes_context=True)
def leader_worklist(context):
    return _leader_worklist(context["request"].user)
