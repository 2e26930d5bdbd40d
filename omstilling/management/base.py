"""The base of the project's management commands whose help is translated lazily.

argparse wants plain strings: a lazily translated ``help`` (the command's or an argument's) makes
``manage.py <command> --help`` fail. This resolves them in the active language when the parser is built.
"""

from django.core.management.base import BaseCommand
from django.utils.functional import Promise


class TranslatedCommand(BaseCommand):
    def create_parser(self, prog_name, subcommand, **kwargs):
        if isinstance(self.help, Promise):
            self.help = str(self.help)
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        for action in parser._actions:
            if isinstance(action.help, Promise):
                action.help = str(action.help)
        return parser
