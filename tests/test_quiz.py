import pytest

from tlteach import quiz


def test_every_topic_has_three_to_five_well_formed_questions():
    assert quiz.topics() == ["choosing_a_strategy", "domain_adaptation", "fine_tuning",
                             "frozen_backbone", "negative_transfer", "what_transfers"]
    for topic in quiz.topics():
        items = quiz.questions(topic)
        assert 3 <= len(items) <= 5
        for q in items:
            assert q.prompt.endswith("?") and len(q.choices) >= 3
            assert 0 <= q.answer < len(q.choices) and q.explanation
    with pytest.raises(KeyError, match="topics: choosing_a_strategy"):
        quiz.questions("nope")


def test_check_gives_feedback_and_refuses_bad_choices():
    q = quiz.questions("fine_tuning")[0]
    right, text = quiz.check(q, q.answer)
    assert right and text.startswith("Correct.") and q.explanation in text
    wrong = (q.answer + 1) % len(q.choices)
    assert quiz.check(q, wrong) == (False, "Not quite — try another answer.")
    with pytest.raises(ValueError, match="choice must lie in"):
        quiz.check(q, len(q.choices))


def test_widget_buttons_give_immediate_feedback():
    q = quiz.questions("frozen_backbone")[0]
    box = quiz.question_widget(q, number=1)
    prompt, *buttons, feedback = box.children
    assert "1. When is feature extraction" in prompt.value and len(buttons) == len(q.choices)
    buttons[(q.answer + 1) % len(buttons)].click()
    assert "Not quite" in feedback.value and "firebrick" in feedback.value
    buttons[q.answer].click()
    assert "Correct." in feedback.value and buttons[q.answer].button_style == "success"
    assert len(quiz.quiz_widget(quiz.questions("frozen_backbone")).children) == 4


def test_plain_text_fallback_outside_a_notebook(capsys):
    assert not quiz.widgets_available()  # pytest is not a Jupyter kernel
    quiz.show_quiz("what_transfers")
    text = capsys.readouterr().out
    assert text.startswith("1. What is the primary benefit of transfer learning?")
    assert "   b) It reuses" in text and "Answers (read after trying):\n1. b)" in text
