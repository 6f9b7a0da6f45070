import factory

from apps.notifications.models import Device
from tests.factories.accounts import UserFactory


class DeviceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Device

    user = factory.SubFactory(UserFactory)
    platform = Device.Platform.ANDROID
    token = factory.Sequence(lambda n: f"fcm-token-{n:06d}")
