import factory

from apps.safety.models import Block, Report
from tests.factories.accounts import ProfileFactory, UserFactory


class BlockFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Block

    blocker = factory.LazyFunction(lambda: ProfileFactory().user)
    blocked = factory.LazyFunction(lambda: ProfileFactory().user)


class ReportFactory(factory.django.DjangoModelFactory):
    """An open report about a person."""

    class Meta:
        model = Report

    reporter = factory.SubFactory(UserFactory)
    target_kind = Report.Target.USER
    reported_user = factory.LazyFunction(lambda: ProfileFactory().user)
    reason = Report.Reason.HARASSMENT
    details = "Kept messaging me after I said no."
