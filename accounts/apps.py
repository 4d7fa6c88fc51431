from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        # The time zone preference goes to the cache at login: no query on each page.
        from django.contrib.auth.signals import user_logged_in

        from accounts.middleware import on_login

        user_logged_in.connect(on_login, dispatch_uid="accounts-time-zone")
