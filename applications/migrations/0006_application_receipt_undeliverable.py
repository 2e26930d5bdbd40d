"""When the mail server refused an application's receipt for good, and its reply.

A receipt refused this way (the applicant's address does not exist) is not sent again by the
periodic resend (applications.tasks.receipts_resend_unsent); the staff see it on the application.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("applications", "0005_case_stand_in"),
    ]

    operations = [
        migrations.AddField(
            model_name="application",
            name="receipt_undeliverable_at",
            field=models.DateTimeField(
                blank=True,
                editable=False,
                help_text=(
                    "E-posttjeneren avviste søkerens adresse. Kvitteringen sendes ikke på nytt av seg selv: "
                    "rett adressen og send den på nytt fra søknadens side."
                ),
                null=True,
                verbose_name="kvittering kunne ikke leveres",
            ),
        ),
        migrations.AddField(
            model_name="application",
            name="receipt_undeliverable_reason",
            field=models.TextField(blank=True, editable=False, verbose_name="svar fra e-posttjeneren"),
        ),
    ]
