"""Self-check quizzes: multiple-choice questions with immediate feedback and an explanation.

``show_quiz("fine_tuning")`` renders the topic's questions as ipywidgets buttons in a
notebook, and as plain text (answers at the end) where widgets cannot render. The questions
live in ``quizzes.json``, one list per topic, each with its right answer first;
``questions`` shows the choices in a shuffled order that is the same for every reader (an
instructor and a class see the same letters), with the right answers spread over the
positions. ``check`` is the callback, a plain function.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from importlib import resources


@dataclass(frozen=True)
class Question:
    """A multiple-choice question: ``choices[answer]`` is right, ``explanation`` says why."""

    prompt: str
    choices: tuple[str, ...]
    answer: int
    explanation: str


def topics() -> list[str]:
    """The topics that have a quiz."""
    return sorted(_bank())


def questions(topic: str) -> list[Question]:
    """The questions of one topic, in order, each with its choices in display order."""
    bank = _bank()
    if topic not in bank:
        raise KeyError(f"No quiz on {topic!r}; topics: {', '.join(sorted(bank))}.")
    return [_in_display_order(q, number, topic) for number, q in enumerate(bank[topic])]


def _in_display_order(item: dict, number: int, topic: str) -> Question:
    """The wrong choices shuffled by a generator seeded with the prompt; the right one at a
    position that cycles through a per-topic permutation, so that no position is favoured.
    String seeds give the same order on every machine and Python run."""
    choices = list(item["choices"])
    right = choices.pop(item["answer"])
    random.Random(item["prompt"]).shuffle(choices)
    slots = random.Random(topic).sample(range(len(choices) + 1), len(choices) + 1)
    slot = slots[number % len(slots)]
    choices.insert(slot, right)
    return Question(item["prompt"], tuple(choices), slot, item["explanation"])


def _bank() -> dict:
    return json.loads(resources.files("tlteach").joinpath("quizzes.json").read_text())


def check(question: Question, choice: int) -> tuple[bool, str]:
    """Whether ``choice`` (an index) is right, and the feedback to show."""
    if not 0 <= choice < len(question.choices):
        raise ValueError(f"choice must lie in 0..{len(question.choices) - 1}, got {choice}.")
    if choice == question.answer:
        return True, f"Correct. {question.explanation}"
    return False, "Not quite — try another answer."


def quiz_text(items: list[Question]) -> str:
    """The quiz as plain text: questions with lettered choices, answers at the end."""
    lines = []
    for i, q in enumerate(items, 1):
        lines.append(f"{i}. {q.prompt}")
        lines += [f"   {chr(97 + j)}) {c}" for j, c in enumerate(q.choices)]
    lines.append("\nAnswers (read after trying):")
    lines += [f"{i}. {chr(97 + q.answer)}) {q.explanation}" for i, q in enumerate(items, 1)]
    return "\n".join(lines)


def question_widget(question: Question, number: int = 1):
    """One question as a prompt, a button per choice and a feedback line (ipywidgets)."""
    import ipywidgets as w

    feedback = w.HTML()
    buttons = [w.Button(description=f"{chr(97 + j)}) {c}", layout=w.Layout(width="auto"))
               for j, c in enumerate(question.choices)]

    def on_click(button) -> None:
        right, text = check(question, buttons.index(button))
        colour = "green" if right else "firebrick"
        feedback.value = f"<span style='color:{colour}'>{text}</span>"
        button.button_style = "success" if right else "danger"

    for button in buttons:
        button.on_click(on_click)
    prompt = w.HTML(f"<b>{number}. {question.prompt}</b>")
    return w.VBox([prompt, *buttons, feedback])


def quiz_widget(items: list[Question]):
    """All questions of a quiz, one below the other (ipywidgets)."""
    import ipywidgets as w

    return w.VBox([question_widget(q, i) for i, q in enumerate(items, 1)])


def widgets_available() -> bool:
    """True in a Jupyter kernel with ipywidgets installed (where widgets can render)."""
    try:
        import ipywidgets  # noqa: F401
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and hasattr(shell, "kernel")


def show_quiz(topic: str) -> None:
    """Display the quiz of ``topic``: widgets in a notebook, plain text elsewhere."""
    items = questions(topic)
    if widgets_available():
        from IPython.display import display

        from tlteach.widgets import WithFallback

        display(WithFallback(quiz_widget(items), quiz_text(items)))  # text for static viewers
    else:
        print(quiz_text(items))
