"""A cohort's gradebook: per student, chapters done, best quiz scores, exercises, labs.

Built with one query per kind of work for the whole class (not per
student), so a class of 30 costs the same handful of queries as a class of 3.
The same rows feed the page, the CSV and the JSON export.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.contrib.auth.models import User
from django.db.models import Count
from django.utils import timezone

from classes.models import Cohort, ExamSchedule, Membership
from classes.policies import rules_for_cohort
from core.policy import WorkRules

# csv_safe stays importable from here: the gradebook was its first home.
from core.spreadsheet import csv_safe as csv_safe
from core.spreadsheet import csv_writer
from exams.models import AttemptStatus, Exam, ExamAttempt
from exercises.models import Exercise, ExerciseProgress
from labs.models import HintRung, HintStep, Lab, LabSubmission, SubmissionStatus
from lessons.models import Chapter, ChapterProgress
from quizzes.models import Quiz, QuizAttempt


@dataclass
class QuizCell:
    best_percent: int  # after the class's late penalty, if any
    passed: bool
    attempts: int
    late: bool = False  # the best counted was finished after the due date


@dataclass
class LabCell:
    best_score: int | None  # of finished (checked) submissions; None: none finished
    best_max: int
    passed: bool
    submissions: int
    last: LabSubmission | None
    late_factor: float = 1.0  # the class's late penalty on the best (1.0: none)
    # The checks whose solution the student revealed in the lab's hints.
    solutions_revealed: list[str] = field(default_factory=list)


@dataclass
class ExamCell:
    best_percent: int
    passed: bool
    attempts: int  # graded ones
    best_id: int


@dataclass
class StudentRow:
    user: User
    joined_at: datetime
    chapters_done: int
    exercises_solved: int
    quizzes: dict[int, QuizCell] = field(default_factory=dict)
    labs: dict[int, LabCell] = field(default_factory=dict)
    # The cells in the gradebook's column order, for templates.
    quiz_row: list[tuple[Quiz, QuizCell | None]] = field(default_factory=list)
    lab_row: list[tuple[Lab, LabCell | None]] = field(default_factory=list)
    exams: dict[int, ExamCell] = field(default_factory=dict)
    exam_row: list[tuple[Exam, ExamCell | None]] = field(default_factory=list)


@dataclass
class Gradebook:
    cohort: Cohort
    chapters_total: int
    exercises_total: int
    quizzes: list[Quiz]
    labs: list[Lab]
    rows: list[StudentRow]
    generated_at: datetime
    exams: list[Exam] = field(default_factory=list)


def gradebook_for(*, cohort: Cohort) -> Gradebook:
    members = list(
        Membership.objects.filter(cohort=cohort).select_related("user").order_by("user__username")
    )
    user_ids = [m.user_id for m in members]
    chapters = Chapter.objects.published()
    quizzes = list(
        Quiz.objects.published().select_related("chapter").order_by("chapter__number", "title")
    )
    labs = list(
        Lab.objects.filter(is_published=True, chapter__is_published=True)
        .select_related("chapter")
        .order_by("chapter__number", "slug")
    )
    exercises_total = Exercise.objects.published().count()

    chapters_done = dict(
        ChapterProgress.objects.filter(
            user_id__in=user_ids, completed_at__isnull=False, chapter__in=chapters
        )
        .values("user_id")
        .annotate(n=Count("id"))
        .values_list("user_id", "n")
    )
    solved = dict(
        ExerciseProgress.objects.filter(
            user_id__in=user_ids, solved_at__isnull=False, exercise__in=Exercise.objects.published()
        )
        .values("user_id")
        .annotate(n=Count("id"))
        .values_list("user_id", "n")
    )
    rows = {
        m.user_id: StudentRow(
            user=m.user,
            joined_at=m.joined_at,
            chapters_done=chapters_done.get(m.user_id, 0),
            exercises_solved=solved.get(m.user_id, 0),
        )
        for m in members
    }
    rules = rules_for_cohort(cohort.pk)
    _add_quizzes(rows, quizzes, rules)
    _add_labs(rows, labs, rules)
    _add_reveals(rows, labs)
    exams = [s.exam for s in ExamSchedule.objects.filter(cohort=cohort).select_related("exam")]
    _add_exams(rows, exams)
    for row in rows.values():
        row.quiz_row = [(q, row.quizzes.get(q.pk)) for q in quizzes]
        row.lab_row = [(lab, row.labs.get(lab.pk)) for lab in labs]
        row.exam_row = [(exam, row.exams.get(exam.pk)) for exam in exams]
    return Gradebook(
        cohort=cohort,
        chapters_total=chapters.count(),
        exercises_total=exercises_total,
        quizzes=quizzes,
        labs=labs,
        rows=list(rows.values()),
        generated_at=timezone.now(),
        exams=exams,
    )


def _add_quizzes(
    rows: dict[int, StudentRow], quizzes: list[Quiz], rules: dict[tuple[str, str], WorkRules]
) -> None:
    uuids = {q.pk: str(q.uuid) for q in quizzes}
    attempts = QuizAttempt.objects.filter(
        user_id__in=list(rows), quiz__in=quizzes, finished_at__isnull=False
    ).only("user_id", "quiz_id", "score", "max_score", "passed", "started_at", "finished_at")
    for attempt in attempts.order_by("started_at", "id"):
        row = rows[attempt.user_id]
        rule = rules.get(("quiz", uuids[attempt.quiz_id]))
        factor = rule.factor(attempt.finished_at) if rule else 1.0
        percent = round(attempt.percent * factor)
        cell = row.quizzes.get(attempt.quiz_id)
        if cell is None:
            row.quizzes[attempt.quiz_id] = QuizCell(percent, attempt.passed, 1, factor < 1)
            continue
        cell.attempts += 1
        # The best percentage, as on the student's own profile (less any late penalty).
        if percent > cell.best_percent:
            cell.best_percent, cell.late = percent, factor < 1
        cell.passed = cell.passed or attempt.passed


def _add_labs(
    rows: dict[int, StudentRow], labs: list[Lab], rules: dict[tuple[str, str], WorkRules]
) -> None:
    uuids = {lab.pk: str(lab.uuid) for lab in labs}
    submissions = (
        LabSubmission.objects.filter(user_id__in=list(rows), lab__in=labs)
        .defer("results")
        .order_by("created_at", "id")
    )
    for submission in submissions:
        row = rows[submission.user_id]
        cell = row.labs.get(submission.lab_id)
        if cell is None:
            cell = row.labs[submission.lab_id] = LabCell(None, 0, False, 0, None)
        cell.submissions += 1
        cell.last = submission
        if submission.status != SubmissionStatus.DONE:
            continue
        rule = rules.get(("lab", uuids[submission.lab_id]))
        factor = rule.factor(submission.finished_at) if rule else 1.0
        if (
            cell.best_score is None
            or _ratio(submission) * factor > _ratio_of(cell) * cell.late_factor
        ):
            cell.best_score, cell.best_max = submission.score, submission.max_score
            cell.late_factor = factor
        cell.passed = cell.passed or submission.passed


def _add_exams(rows: dict[int, StudentRow], exams: list[Exam]) -> None:
    graded = ExamAttempt.objects.filter(
        user_id__in=list(rows), exam__in=exams, status=AttemptStatus.GRADED
    ).only("user_id", "exam_id", "score", "max_score", "passed")
    for attempt in graded.order_by("created_at", "id"):
        row = rows[attempt.user_id]
        cell = row.exams.get(attempt.exam_id)
        if cell is None:
            row.exams[attempt.exam_id] = ExamCell(attempt.percent, attempt.passed, 1, attempt.pk)
            continue
        cell.attempts += 1
        if attempt.percent > cell.best_percent:
            cell.best_percent, cell.best_id = attempt.percent, attempt.pk
        cell.passed = cell.passed or attempt.passed


def _add_reveals(rows: dict[int, StudentRow], labs: list[Lab]) -> None:
    reveals = (
        HintStep.objects.filter(user_id__in=list(rows), lab__in=labs, rung=HintRung.SOLUTION)
        .order_by("created_at", "id")
        .values_list("user_id", "lab_id", "check_id")
    )
    for user_id, lab_id, check_id in reveals:
        row = rows[user_id]
        cell = row.labs.get(lab_id)
        if cell is None:
            cell = row.labs[lab_id] = LabCell(None, 0, False, 0, None)
        cell.solutions_revealed.append(check_id)


def _ratio(submission: LabSubmission) -> float:
    return submission.score / submission.max_score if submission.max_score else 0.0


def _ratio_of(cell: LabCell) -> float:
    return (cell.best_score or 0) / cell.best_max if cell.best_max else 0.0


# --- exports ------------------------------------------------------------------------------


def gradebook_csv(gradebook: Gradebook) -> str:
    out = io.StringIO()
    writer = csv_writer(out)
    header = ["username", "joined_at", "chapters_done", "chapters_total"]
    header += [f"{quiz_column(gradebook, q)}_best_percent" for q in gradebook.quizzes]
    header += ["exercises_solved", "exercises_total"]
    for lab in gradebook.labs:
        header += [
            f"lab_{lab.slug}_best_score",
            f"lab_{lab.slug}_max_score",
            f"lab_{lab.slug}_submissions",
            f"lab_{lab.slug}_last_status",
            f"lab_{lab.slug}_last_at",
            f"lab_{lab.slug}_solutions_revealed",
        ]
    for exam in gradebook.exams:
        header += [f"exam_{exam.slug}_best_percent", f"exam_{exam.slug}_graded_attempts"]
    writer.writerow(header)
    for row in gradebook.rows:
        line: list[Any] = [
            row.user.get_username(),
            row.joined_at.isoformat(),
            row.chapters_done,
            gradebook.chapters_total,
        ]
        for _quiz, quiz_cell in row.quiz_row:
            line.append("" if quiz_cell is None else quiz_cell.best_percent)
        line += [row.exercises_solved, gradebook.exercises_total]
        for lab, lab_cell in row.lab_row:
            if lab_cell is None:
                line += ["", lab.max_score, 0, "", "", 0]
                continue
            last = lab_cell.last
            line += [
                "" if lab_cell.best_score is None else lab_cell.best_score,
                lab_cell.best_max if lab_cell.best_score is not None else lab.max_score,
                lab_cell.submissions,
                last.status if last else "",
                last.created_at.isoformat() if last else "",
                len(lab_cell.solutions_revealed),
            ]
        for _exam, exam_cell in row.exam_row:
            line += ["", 0] if exam_cell is None else [exam_cell.best_percent, exam_cell.attempts]
        writer.writerow(line)
    return out.getvalue()


def quiz_column(gradebook: Gradebook, quiz: Quiz) -> str:
    """``quiz_ch9``; with the quiz's id too when its chapter has more than one quiz."""
    number = quiz.chapter.number
    alone = sum(1 for q in gradebook.quizzes if q.chapter.number == number) == 1
    return f"quiz_ch{number}" if alone else f"quiz_ch{number}_{quiz.pk}"


def gradebook_json(gradebook: Gradebook) -> dict[str, Any]:
    cohort = gradebook.cohort
    return {
        "cohort": {
            "id": cohort.pk,
            "name": cohort.name,
            "created_at": cohort.created_at.isoformat(),
            "ended_at": cohort.ended_at.isoformat() if cohort.ended_at else None,
        },
        "generated_at": gradebook.generated_at.isoformat(),
        "chapters_total": gradebook.chapters_total,
        "exercises_total": gradebook.exercises_total,
        "quizzes": [
            {"id": q.pk, "title": q.title, "chapter": q.chapter.number} for q in gradebook.quizzes
        ],
        "labs": [
            {
                "slug": lab.slug,
                "title": lab.title,
                "chapter": lab.chapter.number,
                "max_score": lab.max_score,
            }
            for lab in gradebook.labs
        ],
        "exams": [
            {"slug": e.slug, "title": e.title, "max_score": e.max_score} for e in gradebook.exams
        ],
        "students": [_student_json(gradebook, row) for row in gradebook.rows],
    }


def _student_json(gradebook: Gradebook, row: StudentRow) -> dict[str, Any]:
    quizzes = {}
    for quiz, quiz_cell in row.quiz_row:
        if quiz_cell is not None:
            quizzes[str(quiz.pk)] = {
                "best_percent": quiz_cell.best_percent,
                "passed": quiz_cell.passed,
                "attempts": quiz_cell.attempts,
            }
    labs = {}
    for lab, lab_cell in row.lab_row:
        if lab_cell is None:
            continue
        last = lab_cell.last
        labs[lab.slug] = {
            "best_score": lab_cell.best_score,
            "max_score": lab_cell.best_max if lab_cell.best_score is not None else lab.max_score,
            "passed": lab_cell.passed,
            "submissions": lab_cell.submissions,
            "solutions_revealed": lab_cell.solutions_revealed,
            "last": None
            if last is None
            else {
                "id": last.pk,
                "status": last.status,
                "score": last.score,
                "max_score": last.max_score,
                "created_at": last.created_at.isoformat(),
            },
        }
    return {
        "username": row.user.get_username(),
        "joined_at": row.joined_at.isoformat(),
        "chapters_done": row.chapters_done,
        "exercises_solved": row.exercises_solved,
        "quizzes": quizzes,
        "labs": labs,
        "exams": {
            exam.slug: {"best_percent": c.best_percent, "passed": c.passed, "attempts": c.attempts}
            for exam, c in row.exam_row
            if c is not None
        },
    }
