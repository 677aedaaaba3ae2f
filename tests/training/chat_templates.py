"""Chat templates of the kinds real chat models ship, none with ``{% generation %}`` markers unless named so.

The tiny test tokenizer gets their special tokens (``SPECIAL_TOKENS``) so that, as with the real
models, ``<|im_end|>`` or ``<|assistant|>`` is one token.
"""

SPECIAL_TOKENS = (
    "<|im_start|>",
    "<|im_end|>",
    "[gMASK]",
    "sop",
    "<|system|>",
    "<|user|>",
    "<|assistant|>",
    "<start_of_turn>",
    "<end_of_turn>",
)

# Qwen/Yi-style ChatML as written by hand: the reply ends with <|im_end|>.
CHATML = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)

# The same ChatML with TRL's markers around the reply and its <|im_end|>.
CHATML_WITH_MARKERS = (
    "{% for message in messages %}"
    "{% if message['role'] == 'assistant' %}"
    "{{ '<|im_start|>assistant\\n' }}{% generation %}{{ message['content'] + '<|im_end|>' }}{% endgeneration %}"
    "{{ '\\n' }}"
    "{% else %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}{% endif %}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)

# ChatGLM3-6B's template: no end-of-turn after a reply (the next role token or EOS ends it).
CHATGLM3 = (
    "{% for message in messages %}"
    "{% if loop.first %}[gMASK]sop<|{{ message['role'] }}|>\n {{ message['content'] }}"
    "{% else %}<|{{ message['role'] }}|>\n {{ message['content'] }}{% endif %}"
    "{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>{% endif %}"
)

# Gemma-style: no system role, the system prompt is folded into the first user turn.
SYSTEM_IN_FIRST_USER = (
    "{% if messages[0]['role'] == 'system' %}"
    "{% set first_user_prefix = messages[0]['content'] + '\\n\\n' %}{% set loop_messages = messages[1:] %}"
    "{% else %}{% set first_user_prefix = '' %}{% set loop_messages = messages %}{% endif %}"
    "{% for message in loop_messages %}"
    "{% set role = 'model' if message['role'] == 'assistant' else 'user' %}"
    "{{ '<start_of_turn>' + role + '\\n' + (first_user_prefix if loop.first else '') }}"
    "{{ message['content'] | trim }}{{ '<end_of_turn>\\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<start_of_turn>model\\n' }}{% endif %}"
)

# The CharacterGLM-6B prompt the exports describe (characterglm.jsonl): the character prompt, then
# one line per turn ``[name]text`` (newlines inside a turn become spaces), ending with ``[bot_name]``.
CHARACTERGLM_EXPORT = (
    "{%- set bot = bot_name | default('角色') -%}{%- set user = user_name | default('用户') -%}"
    "{%- for message in messages -%}"
    "{%- if not loop.first -%}{{ '\\n' }}{%- endif -%}"
    "{%- if message['role'] == 'system' -%}{{ message['content'] }}"
    "{%- else -%}{{ '[' + (bot if message['role'] == 'assistant' else user) + ']' }}"
    "{{ message['content'] | replace('\\n', ' ') }}{%- endif -%}"
    "{%- endfor -%}"
    "{%- if add_generation_prompt -%}{{ '\\n[' + bot + ']' }}{%- endif -%}"
)

# The four kinds the runner must train on, by name (for parametrised tests).
KINDS = {
    "chatml": CHATML,
    "chatglm3": CHATGLM3,
    "system_in_first_user": SYSTEM_IN_FIRST_USER,
    "characterglm_export": CHARACTERGLM_EXPORT,
}
