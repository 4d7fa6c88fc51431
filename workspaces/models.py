from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class StudentNamespace(models.Model):
    """A student's own namespace on the classroom cluster, and their kubeconfig for it.

    The kubeconfig holds a bearer token, so it is stored encrypted
    (``core.crypto``); the row outlives the namespace (``cleaned_at``), so
    submissions keep saying where they were graded.
    """

    encrypted_fields = ("kubeconfig_encrypted",)

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="student_namespace"
    )
    cluster_server = models.CharField(max_length=300)
    namespace = models.CharField(max_length=63, unique=True)
    kubeconfig_encrypted = models.TextField(blank=True)
    token_expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    provisioned_at = models.DateTimeField(null=True, blank=True)
    cleaned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        # The rows moved here from the labs app; the table did not move.
        db_table = "labs_studentnamespace"
        ordering = ["namespace"]

    def __str__(self) -> str:
        return f"{self.namespace} ({self.user})"

    def get_absolute_url(self) -> str:
        return reverse("workspaces:kubeconfig", kwargs={"namespace": self.namespace})

    @property
    def is_active(self) -> bool:
        return self.provisioned_at is not None and self.cleaned_at is None


class StudentCluster(models.Model):
    """A student's own cluster for labs, from a kubeconfig they uploaded.

    Only when the operator enables it (``TUTOR_STUDENT_CLUSTERS``). The
    kubeconfig is untrusted and secret: stored encrypted, checked against the
    allow-list when saved and again each time a worker connects, and never
    shown back (only its server, context and namespace are).
    """

    encrypted_fields = ("kubeconfig_encrypted",)

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="student_cluster"
    )
    kubeconfig_encrypted = models.TextField()
    context = models.CharField(max_length=253)
    server = models.CharField(max_length=300)
    namespace = models.CharField(max_length=63)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # The last connection test: when, and what the server said (empty: it answered).
    checked_at = models.DateTimeField(null=True, blank=True)
    kubernetes_version = models.CharField(max_length=40, blank=True)
    problem = models.CharField(max_length=500, blank=True)
    # When the student (or saving) last asked a worker for a connection test.
    test_requested_at = models.DateTimeField(null=True, blank=True)
    # The language of the request that asked for it: the worker writes ``problem`` in it.
    test_language = models.CharField(max_length=16, blank=True)

    class Meta:
        db_table = "labs_studentcluster"

    def __str__(self) -> str:
        return f"{self.server} for {self.user}"

    def get_absolute_url(self) -> str:
        return reverse("workspaces:my_cluster")

    @property
    def test_pending(self) -> bool:
        """A test was asked for and no worker has answered it yet."""
        if self.test_requested_at is None:
            return False
        return self.checked_at is None or self.checked_at < self.test_requested_at


class NamespaceRun(models.Model):
    """Namespaces provisioned or cleaned up for many students by a worker, with its progress.

    Provisioning a class talks to the cluster for seconds per student, so it
    never runs inside a web request: the instructor's page creates a run and
    shows its progress; a worker does the work, one student at a time,
    recording each outcome as it goes (a restarted run skips the students it
    already did).
    """

    class Action(models.TextChoices):
        PROVISION = "provision", _("Namespaces provisioned")
        CLEANUP = "cleanup", _("Namespaces cleaned up")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting for a worker")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")

    action = models.CharField(max_length=10, choices=Action.choices)
    # Who the run is for, as the caller names it ("cohort:12"): pages find their runs by it.
    scope = models.CharField(max_length=100, db_index=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    user_ids = models.JSONField(default=list)
    quota = models.JSONField(default=dict)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    # [username, namespace] done; [username, why] skipped or failed.
    done = models.JSONField(default=list)
    skipped = models.JSONField(default=list)
    failed = models.JSONField(default=list)
    # The language of the instructor's request: the worker writes its reasons in it.
    language = models.CharField(max_length=16, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} for {self.scope} ({self.status})"

    @property
    def total(self) -> int:
        return len(self.user_ids) + len(self.skipped)

    @property
    def processed(self) -> int:
        return len(self.done) + len(self.skipped) + len(self.failed)

    @property
    def is_finished(self) -> bool:
        return self.status == self.Status.DONE

    @property
    def percent(self) -> int:
        return round(100 * self.processed / self.total) if self.total else 100

    def summary(self) -> str:
        """One line for the instructor: how many, and who was skipped why."""
        text = gettext("{action}: {done} of {total}").format(
            action=self.get_action_display(), done=len(self.done), total=self.total
        )
        if self.skipped:
            text += gettext("; skipped {count} ({reasons})").format(
                count=len(self.skipped),
                reasons="; ".join(f"{name}: {why}" for name, why in self.skipped),
            )
        return text + "."


class LabRun(models.Model):
    """Starting a lab or resetting it in a student's workspace, done by a worker.

    Starting creates the lab's start state (the objects a troubleshooting lab
    begins with) where it is missing and never overwrites the student's work;
    resetting first deletes everything that belongs to the lab
    (``footprint``), then creates the start state again. The row keeps a copy
    of what to apply, so the worker needs nothing but this row; it is also the
    record that a lab was started in this workspace (grading starts a lab
    that never was).
    """

    class Action(models.TextChoices):
        START = "start", _("Start")
        RESET = "reset", _("Reset")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting for a worker")
        RUNNING = "running", _("Preparing")
        DONE = "done", _("Done")
        ERROR = "error", _("Could not prepare")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lab_runs"
    )
    lab_uuid = models.UUIDField()
    lab_slug = models.CharField(max_length=80)
    namespace = models.CharField(max_length=63)
    on_student_cluster = models.BooleanField(default=False)
    action = models.CharField(max_length=10, choices=Action.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    start_state = models.TextField(blank=True)
    start_steps = models.JSONField(default=list)
    footprint = models.JSONField(default=list)
    # What the worker did: "Deployment web" for each object deleted and created.
    deleted = models.JSONField(default=list)
    created = models.JSONField(default=list)
    error = models.TextField(blank=True)
    # The language of the request that asked: the worker writes ``error`` in it.
    language = models.CharField(max_length=16, blank=True)
    tries = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "lab_uuid", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.lab_slug} in {self.namespace} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.ERROR)


class TerminalSession(models.Model):
    """One browser terminal session: who, where, when, how long, and why it ended.

    The row is the session log an operator reads (and the registry that lets a
    reloaded page find its live session: ``owner_channel`` is where the process
    holding the shell listens). At most one live session per user.
    """

    class Backend(models.TextChoices):
        CLUSTER = "cluster", _("Toolbox Pod on the cluster")
        LOCAL = "local", _("Shell on the tutor's machine")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="terminal_sessions"
    )
    backend = models.CharField(max_length=10, choices=Backend.choices)
    namespace = models.CharField(max_length=63, blank=True)
    # The page it was started from (a lab's path, /terminal/).
    started_from = models.CharField(max_length=200, blank=True)
    owner_channel = models.CharField(max_length=120, blank=True)
    started_at = models.DateTimeField(auto_now_add=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=200, blank=True)
    bytes_in = models.PositiveBigIntegerField(default=0)
    bytes_out = models.PositiveBigIntegerField(default=0)
    # Keystrokes were recorded (TUTOR_TERMINAL_RECORD was on, and the student was told).
    recorded = models.BooleanField(default=False)

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(ended_at__isnull=True),
                name="one_live_terminal_per_user",
            )
        ]

    def __str__(self) -> str:
        return f"terminal of {self.user} from {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def duration_seconds(self) -> int | None:
        if self.ended_at is None:
            return None
        return int((self.ended_at - self.started_at).total_seconds())


class TerminalWatch(models.Model):
    """An instructor watching a student's terminal (read-only): the student is told."""

    session = models.ForeignKey(TerminalSession, on_delete=models.CASCADE, related_name="watches")
    watcher = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="terminal_watches"
    )
    started_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.watcher} watched {self.session}"


class TerminalKeystrokes(models.Model):
    """What a student typed, in chunks: only while an operator has recording on."""

    session = models.ForeignKey(
        TerminalSession, on_delete=models.CASCADE, related_name="keystrokes"
    )
    at = models.DateTimeField()
    data = models.TextField()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{len(self.data)} characters typed at {self.at:%H:%M:%S}"
