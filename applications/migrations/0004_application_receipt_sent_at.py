"""When an application's submission receipt (and the staff notice) went out.

Applications submitted before this migration are taken to have had theirs: ``receipt_sent_at`` is set
to their ``submitted_at``, so the periodic resend (applications.tasks.receipts_resend_unsent) does not
e-mail anyone about an application they sent in long ago. Historical, imported applications were never
submitted through the portal (no ``submitted_at``) and stay without one; the resend skips them anyway.
"""

from django.db import migrations, models
from django.db.models import F


def mark_earlier_submissions_as_sent(apps, schema_editor):
    Application = apps.get_model("applications", "Application")
    Application.objects.filter(submitted_at__isnull=False, receipt_sent_at__isnull=True).update(
        receipt_sent_at=F("submitted_at")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("applications", "0003_search_trigram_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="application",
            name="receipt_sent_at",
            field=models.DateTimeField(
                blank=True, editable=False, null=True, verbose_name="kvittering sendt"
            ),
        ),
        # Reversing drops the column, so there is nothing for the data step to undo.
        migrations.RunPython(mark_earlier_submissions_as_sent, migrations.RunPython.noop, elidable=True),
    ]
