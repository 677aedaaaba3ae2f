"""The CharacterGLM-style chat template, for base models whose tokenizer has none.

The layout follows CharacterGLM-6B's inference format: the character prompt (the export's system
message, which already reads ``以下是一段…的对话。关于…的信息：…``) on the first line, then one line per turn
``[speaker]text`` with newlines inside a turn turned into spaces, and ``[assistant]`` as the
generation prompt. The assistant's text and its end-of-turn token (the tokenizer's EOS) sit inside
``{% generation %}`` so that ``return_assistant_tokens_mask`` marks exactly the tokens the model must
learn to produce, including the one that makes it stop.
"""

USER_LABEL = "user"
ASSISTANT_LABEL = "assistant"

CHARACTERGLM_CHAT_TEMPLATE = (
    "{%- for message in messages -%}"
    "{%- if message['role'] == 'system' -%}"
    "{{ message['content'] | replace('\\n', ' ') }}{{ '\\n' }}"
    "{%- elif message['role'] == 'user' -%}"
    "{{ '[" + USER_LABEL + "]' }}{{ message['content'] | replace('\\n', ' ') }}{{ '\\n' }}"
    "{%- elif message['role'] == 'assistant' -%}"
    "{{ '[" + ASSISTANT_LABEL + "]' }}"
    "{% generation %}{{ message['content'] | replace('\\n', ' ') }}{{ eos_token }}{% endgeneration %}"
    "{{ '\\n' }}"
    "{%- endif -%}"
    "{%- endfor -%}"
    "{%- if add_generation_prompt -%}{{ '[" + ASSISTANT_LABEL + "]' }}{%- endif -%}"
)


def ensure_chat_template(tokenizer) -> bool:
    """Give ``tokenizer`` the CharacterGLM template when it has none; True when it was added."""
    if getattr(tokenizer, "chat_template", None):
        return False
    tokenizer.chat_template = CHARACTERGLM_CHAT_TEMPLATE
    return True
