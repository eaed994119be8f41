"""Unit tests for the clipping checks of helpers.checks.training that measure the
gradient really applied: a Keras optimizer (check_clipped_optimizer) and a
PyTorch training step (check_clipped_train_step), each mistake built and its
message asserted."""

import re

import keras
import pytest
import torch

from helpers import checks


def raises(fragment):
    return pytest.raises(AssertionError, match=re.escape(fragment))


# --------------------------------------------------------------------------
# Keras: an optimizer that clips the global norm
# --------------------------------------------------------------------------

def test_global_clipnorm_passes():
    checks.check_clipped_optimizer(lambda lr, m: keras.optimizers.SGD(learning_rate=lr,
                                                                      global_clipnorm=m))
    checks.check_clipped_optimizer(lambda lr, m: keras.optimizers.SGD(lr, global_clipnorm=m),
                                   learning_rate=0.5, max_norm=2.0)


@pytest.mark.parametrize("make, fragment", [
    (lambda lr, m: keras.optimizers.SGD(learning_rate=lr),
     "not clipping gradients in a long SimpleRNN"),
    (lambda lr, m: keras.optimizers.SGD(learning_rate=lr, clipnorm=m),
     "clipnorm clips each variable's gradient on its own"),
    (lambda lr, m: keras.optimizers.SGD(learning_rate=lr, clipvalue=m),
     "clipvalue clips every value on its own"),
    (lambda lr, m: keras.optimizers.SGD(learning_rate=lr, global_clipnorm=2 * m),
     "expected the raw gradient scaled to norm 1"),
    (lambda lr, m: keras.optimizers.Adam(learning_rate=lr, global_clipnorm=m),
     "returned Adam: return keras.optimizers.SGD"),
    (lambda lr, m: keras.optimizers.SGD(learning_rate=lr, momentum=0.9, global_clipnorm=m),
     "without momentum"),
    (lambda lr, m: keras.optimizers.SGD(learning_rate=0.01, global_clipnorm=m),
     "pass learning_rate on"),
    (lambda lr, m: None, "should return a Keras optimizer, got NoneType"),
])
def test_optimizer_mistakes_are_named(make, fragment):
    with raises(fragment):
        checks.check_clipped_optimizer(make)


def test_optimizer_bad_arguments():
    with pytest.raises(TypeError, match="make_optimizer must be a function"):
        checks.check_clipped_optimizer(keras.optimizers.SGD())
    with pytest.raises(ValueError, match="max_norm must be > 0"):
        checks.check_clipped_optimizer(lambda lr, m: None, max_norm=0)
    with pytest.raises(TypeError, match="learning_rate must be a number"):
        checks.check_clipped_optimizer(lambda lr, m: None, learning_rate="0.1")


# --------------------------------------------------------------------------
# PyTorch: a training step that clips
# --------------------------------------------------------------------------

def step(clip="norm", zero=True, where="between", returned="before", detach=False):
    def clipped_train_step(model, batch, loss_fn, optimizer, max_norm):
        inputs, targets = batch
        model.train()
        if zero:
            optimizer.zero_grad()
        norm = torch.tensor(0.0)
        if where == "before":
            norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
        outputs = model(inputs)
        loss = loss_fn(outputs.detach() if detach else outputs, targets)
        loss.backward()
        if where == "between":
            if clip == "norm":
                norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
            elif clip == "value":
                torch.nn.utils.clip_grad_value_(model.parameters(), max_norm)
            elif clip == "each":
                for p in model.parameters():
                    torch.nn.utils.clip_grad_norm_([p], max_norm)
            else:
                norm = torch.nn.utils.get_total_norm([p.grad for p in model.parameters()])
        optimizer.step()
        if where == "after":
            norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
        if returned == "after":
            norm = torch.nn.utils.get_total_norm([p.grad for p in model.parameters()])
        return loss.item(), norm.item()
    return clipped_train_step


def test_clipped_step_passes():
    checks.check_clipped_train_step(step())
    checks.check_clipped_train_step(step(), max_norm=2.0, learning_rate=0.5)


def test_tensor_results_are_accepted():
    def tensors(*args):
        loss, norm = step()(*args)
        return torch.tensor(loss), torch.tensor(norm)
    checks.check_clipped_train_step(tensors)


@pytest.mark.parametrize("fn, fragment", [
    (step(clip=None), "not clipping gradients in a long SimpleRNN"),
    (step(where="after"), "clipping after optimizer.step() is too late"),
    (step(where="before"), "clip_grad_norm_ ran before loss.backward()"),
    (step(clip="value"), "clip_grad_value_ clips every value on its own"),
    (step(clip="each"), "each parameter's gradient was clipped on its own"),
    (step(zero=False), "gradients from earlier steps accumulate"),
    (step(returned="after"), "clip_grad_norm_ returns the norm before clipping"),
    (lambda *args: step()(*args)[0], "should return (loss, norm), two floats"),
    (step(detach=True), "the loss no longer depends on the model's parameters"),
])
def test_step_mistakes_are_named(fn, fragment):
    with raises(fragment):
        checks.check_clipped_train_step(fn)


def test_step_that_does_not_step():
    def no_step(model, batch, loss_fn, optimizer, max_norm):
        optimizer.zero_grad()
        loss = loss_fn(model(batch[0]), batch[1])
        loss.backward()
        norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
        return loss.item(), norm.item()
    with raises("did not change the parameters: call optimizer.step()"):
        checks.check_clipped_train_step(no_step)


def test_step_bad_arguments():
    with pytest.raises(TypeError, match="train_step must be a function"):
        checks.check_clipped_train_step(1)
    with pytest.raises(ValueError, match="max_norm must be > 0"):
        checks.check_clipped_train_step(step(), max_norm=-1)
