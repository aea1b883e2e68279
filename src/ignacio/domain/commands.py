"""What a member can type on WhatsApp to steer the conversation itself (seed 004): `/help`,
`/new`, `/list`, `/switch N`, `/status`, `/files`, `/clear`, `/human`, and `/report <text>` and
`/proposal <text>` (records made without a model); and the words of the answers, in the
languages the catalogue has.

A command is a message that starts with `/` and a word of letters, alone or followed by
whitespace (`/help`, ` /NEW  Budget 2027 `); anything else (`/usr/bin`, `/ 2`, `a/b`) is not a
command and goes to the assistant as any message. A word the table does not know is an unknown
command, answered with the help.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from enum import StrEnum

import msgspec

MAX_TITLE_LENGTH = 255
"""`conversations.MAX_TITLE_LENGTH` (which imports the handover rules, which import these: it
cannot be imported here; a test holds the two equal)."""
DEFAULT_NEW_TITLE = "WhatsApp"
MAX_COMMAND_WORD = 32
LIST_LENGTH = 9
"""How many conversations `/list` numbers, and how many files `/files` names: a list a person
reads on a phone."""

_COMMAND = re.compile(rf"/([^\W\d_]{{1,{MAX_COMMAND_WORD}}})(?:\s+(.*))?", re.DOTALL)


class CommandName(StrEnum):
    HELP = "help"
    NEW = "new"
    LIST = "list"
    SWITCH = "switch"
    STATUS = "status"
    FILES = "files"
    CLEAR = "clear"
    HUMAN = "human"
    REPORT = "report"
    PROPOSAL = "proposal"
    UNKNOWN = "unknown"

    @property
    def informational(self) -> bool:
        """Whether it only tells the member something (and changes nothing of the
        conversation's)."""
        return self in (
            CommandName.HELP,
            CommandName.LIST,
            CommandName.STATUS,
            CommandName.FILES,
            CommandName.UNKNOWN,
        )


_TABLE = {name.value: name for name in CommandName if name is not CommandName.UNKNOWN}


class Command(msgspec.Struct, frozen=True, kw_only=True):
    """A command as typed: which one, the word typed (for an unknown one) and what followed it,
    whitespace collapsed (`/new`'s title, `/switch`'s number); commands that take nothing
    ignore what follows."""

    name: CommandName
    word: str
    argument: str = ""

    @property
    def title(self) -> str:
        """`/new`'s title: what followed, safe to store (no control characters, at most
        MAX_TITLE_LENGTH characters), or the default title."""
        return clip_title(self.argument) or DEFAULT_NEW_TITLE

    @property
    def choice(self) -> int | None:
        """`/switch`'s number (1 is the first of the list), or None when it gives none."""
        text = self.argument.strip()
        if not text.isascii() or not text.isdigit() or len(text) > 6:
            return None
        number = int(text)
        return number if number >= 1 else None


def parse_command(text: str) -> Command | None:
    """The command `text` is, or None when it is not one. Any text: never raises."""
    match = _COMMAND.fullmatch(text.strip())
    if match is None:
        return None
    word = match.group(1).casefold()
    argument = " ".join((match.group(2) or "").split())
    return Command(name=_TABLE.get(word, CommandName.UNKNOWN), word=word, argument=argument)


def is_command(text: str) -> bool:
    return parse_command(text) is not None


def clip_title(text: str) -> str:
    """`text` as a conversation title: one line of printable characters, at most
    MAX_TITLE_LENGTH of them (empty when nothing printable is left)."""
    printable = "".join(
        " " if unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co", "Zl", "Zp") else c for c in text
    )
    line = " ".join(printable.split())
    if len(line) <= MAX_TITLE_LENGTH:
        return line
    return line[: MAX_TITLE_LENGTH - 1].rstrip() + "…"


# Languages -----------------------------------------------------------------------------------

ENGLISH = "en"
LANGUAGES = ("en", "es", "pt")

# Short, frequent words of each language in the catalogue. A word two of them share counts for
# both; the letters only one of them writes (ñ, ¿; ã, õ) count double.
_WORDS = {
    "en": frozenset(
        [
            "the",
            "a",
            "an",
            "and",
            "is",
            "are",
            "i",
            "you",
            "to",
            "of",
            "in",
            "it",
            "my",
            "me",
            "what",
            "how",
            "please",
            "thanks",
            "thank",
            "hello",
            "hi",
            "can",
            "do",
            "with",
            "for",
            "need",
            "want",
            "this",
            "that",
            "have",
            "not",
            "yes",
            "no",
            "your",
            "there",
            "about",
        ]
    ),
    "es": frozenset(
        [
            "el",
            "la",
            "los",
            "las",
            "del",
            "y",
            "una",
            "un",
            "es",
            "está",
            "estoy",
            "que",
            "por",
            "para",
            "con",
            "como",
            "qué",
            "cómo",
            "hola",
            "gracias",
            "sí",
            "no",
            "pero",
            "muy",
            "mi",
            "tengo",
            "necesito",
            "quiero",
            "puedes",
            "ayuda",
            "buenos",
            "buenas",
            "días",
            "usted",
            "yo",
            "tú",
            "este",
            "esta",
            "eso",
            "hay",
            "cuando",
            "dónde",
            "donde",
            "también",
            "mis",
        ]
    ),
    "pt": frozenset(
        [
            "o",
            "a",
            "os",
            "as",
            "do",
            "da",
            "dos",
            "das",
            "e",
            "uma",
            "um",
            "é",
            "está",
            "estou",
            "que",
            "por",
            "para",
            "com",
            "como",
            "olá",
            "oi",
            "obrigado",
            "obrigada",
            "sim",
            "não",
            "mas",
            "muito",
            "meu",
            "minha",
            "tenho",
            "preciso",
            "quero",
            "pode",
            "ajuda",
            "bom",
            "boa",
            "dia",
            "você",
            "vocês",
            "eu",
            "isso",
            "este",
            "esta",
            "há",
            "quando",
            "onde",
            "também",
            "meus",
        ]
    ),
}
_LETTERS = {"es": frozenset("ñ¿¡"), "pt": frozenset("ãõ")}
_WORD = re.compile(r"[^\W\d_]+")


def guess_language(texts: list[str]) -> str | None:
    """Which language of the catalogue the member writes in, from what they wrote: the one
    whose frequent words (and letters) appear most; None when nothing tells, or two tie.

    A general language detector would be wrong more often on chat messages of a few words, and
    would name languages the catalogue does not have; three languages told apart by their
    commonest words are right on the sentences members actually send."""
    scores = dict.fromkeys(LANGUAGES, 0)
    for text in texts:
        lowered = text.casefold()
        for word in _WORD.findall(lowered):
            for language, words in _WORDS.items():
                if word in words:
                    scores[language] += 1
        for language, letters in _LETTERS.items():
            scores[language] += 2 * sum(1 for c in lowered if c in letters)
    best = max(scores.values())
    leaders = [language for language, score in scores.items() if score == best]
    return leaders[0] if best > 0 and len(leaders) == 1 else None


def catalogue_language(tag: str | None) -> str | None:
    """The catalogue's language for a BCP 47 tag (`pt-BR` is `pt`), or None when it has none."""
    if not tag:
        return None
    primary = tag.split("-", 1)[0].casefold()
    return primary if primary in LANGUAGES else None


# The catalogue -------------------------------------------------------------------------------


class Texts(msgspec.Struct, frozen=True, kw_only=True):
    """The words of the answers in one language; `{…}` are filled in by `CommandAnswers`."""

    intro: str
    commands: str
    unknown: str
    new: str
    list_header: str
    list_footer: str
    list_empty: str
    current: str
    switched: str
    switch_which: str
    switch_missing: str
    status: str
    assistant_answers: str
    team_waiting: str
    person_answers: str
    someone: str
    files_header: str
    files_none: str
    cleared: str
    recorded: str
    record_empty: str


_ENGLISH = Texts(
    intro=(
        "I'm {assistant}, the assistant of {workspace}. Ask me anything: I answer from "
        "{workspace}'s documents and from the files you send me (documents, photos, voice "
        "notes)."
    ),
    commands=(
        "Commands:\n"
        "/new [title] - start a new conversation\n"
        "/list - your recent conversations\n"
        "/switch N - go to conversation N of the list\n"
        "/status - where you are and who is answering\n"
        "/files - your recent files\n"
        "/clear - I forget what we said before (nothing is deleted)\n"
        "/human - talk to a person of the team\n"
        "/report text - send the team a report\n"
        "/proposal text - send the team a proposal\n"
        "/help - this message"
    ),
    unknown="I don't know the command /{word}.",
    new="New conversation: “{title}”. What you write now goes there.",
    list_header="Your recent conversations:",
    list_footer="Send /switch N to go to one.",
    list_empty="You have no conversations here yet.",
    current="(current)",
    switched="Now in “{title}”. What you write now goes there.",
    switch_which="Which one? Send /switch N, with N a number from /list.",
    switch_missing="Your list has no conversation {number}. Send /list to see it again.",
    status=(
        "Workspace: {workspace}\nConversation: “{title}”\nAnswering: {who}\nYour files: {files}"
    ),
    assistant_answers="{assistant}, the assistant",
    team_waiting="the team (waiting for a person to take it)",
    person_answers="{person}, of the team",
    someone="a person",
    files_header="Your recent files:",
    files_none="You have no files here yet. Send me a document or a photo and I'll keep it.",
    cleared=(
        "Done: I'll answer your next message without what we said before. Nothing was deleted."
    ),
    recorded="Saved as a {kind}: “{title}”. The team will complete and review it.",
    record_empty="Write it after the command, e.g. /{word} The printer on floor 2 is broken.",
)

_SPANISH = Texts(
    intro=(
        "Soy {assistant}, el asistente de {workspace}. Pregúntame lo que quieras: respondo con "
        "los documentos de {workspace} y con los archivos que me envías (documentos, fotos, "
        "notas de voz)."
    ),
    commands=(
        "Comandos:\n"
        "/new [título] - empezar una conversación nueva\n"
        "/list - tus conversaciones recientes\n"
        "/switch N - ir a la conversación N de la lista\n"
        "/status - dónde estás y quién responde\n"
        "/files - tus archivos recientes\n"
        "/clear - olvido lo que hablamos antes (no se borra nada)\n"
        "/human - hablar con una persona del equipo\n"
        "/report texto - enviar un informe al equipo\n"
        "/proposal texto - enviar una propuesta al equipo\n"
        "/help - este mensaje"
    ),
    unknown="No conozco el comando /{word}.",
    new="Conversación nueva: «{title}». Lo que escribas ahora va ahí.",
    list_header="Tus conversaciones recientes:",
    list_footer="Envía /switch N para ir a una.",
    list_empty="Todavía no tienes conversaciones aquí.",
    current="(actual)",
    switched="Ahora en «{title}». Lo que escribas ahora va ahí.",
    switch_which="¿Cuál? Envía /switch N, con N un número de /list.",
    switch_missing="Tu lista no tiene la conversación {number}. Envía /list para verla otra vez.",
    status=(
        "Espacio: {workspace}\nConversación: «{title}»\nResponde: {who}\nTus archivos: {files}"
    ),
    assistant_answers="{assistant}, el asistente",
    team_waiting="el equipo (esperando a que una persona la tome)",
    person_answers="{person}, del equipo",
    someone="una persona",
    files_header="Tus archivos recientes:",
    files_none="Todavía no tienes archivos aquí. Envíame un documento o una foto y lo guardo.",
    cleared=("Hecho: responderé tu próximo mensaje sin lo que hablamos antes. No se borró nada."),
    recorded="Guardado como {kind}: «{title}». El equipo lo completará y revisará.",
    record_empty="Escríbelo después del comando, p. ej. /{word} La impresora del piso 2 no anda.",
)

_PORTUGUESE = Texts(
    intro=(
        "Sou {assistant}, o assistente de {workspace}. Pergunte o que quiser: respondo com os "
        "documentos de {workspace} e com os arquivos que você me envia (documentos, fotos, "
        "áudios)."
    ),
    commands=(
        "Comandos:\n"
        "/new [título] - começar uma conversa nova\n"
        "/list - suas conversas recentes\n"
        "/switch N - ir para a conversa N da lista\n"
        "/status - onde você está e quem responde\n"
        "/files - seus arquivos recentes\n"
        "/clear - esqueço o que falamos antes (nada é apagado)\n"
        "/human - falar com uma pessoa da equipe\n"
        "/report texto - enviar um relato à equipe\n"
        "/proposal texto - enviar uma proposta à equipe\n"
        "/help - esta mensagem"
    ),
    unknown="Não conheço o comando /{word}.",
    new="Conversa nova: “{title}”. O que você escrever agora vai para lá.",
    list_header="Suas conversas recentes:",
    list_footer="Envie /switch N para ir para uma.",
    list_empty="Você ainda não tem conversas aqui.",
    current="(atual)",
    switched="Agora em “{title}”. O que você escrever agora vai para lá.",
    switch_which="Qual? Envie /switch N, com N um número de /list.",
    switch_missing="Sua lista não tem a conversa {number}. Envie /list para vê-la de novo.",
    status=("Espaço: {workspace}\nConversa: “{title}”\nResponde: {who}\nSeus arquivos: {files}"),
    assistant_answers="{assistant}, o assistente",
    team_waiting="a equipe (esperando uma pessoa assumir)",
    person_answers="{person}, da equipe",
    someone="uma pessoa",
    files_header="Seus arquivos recentes:",
    files_none="Você ainda não tem arquivos aqui. Envie um documento ou uma foto e eu guardo.",
    cleared=(
        "Pronto: vou responder sua próxima mensagem sem o que falamos antes. Nada foi apagado."
    ),
    recorded="Salvo como {kind}: “{title}”. A equipe vai completar e revisar.",
    record_empty="Escreva depois do comando, p. ex. /{word} A impressora do 2º andar quebrou.",
)

CATALOGUE = {"en": _ENGLISH, "es": _SPANISH, "pt": _PORTUGUESE}


class Listed(msgspec.Struct, frozen=True, kw_only=True):
    """One line of a list: what it names, and the date it shows."""

    name: str
    at: datetime
    current: bool = False


class CommandAnswers(msgspec.Struct, frozen=True, kw_only=True):
    """The answers to commands in one language, for one workspace's assistant."""

    language: str
    assistant: str
    workspace: str

    @property
    def texts(self) -> Texts:
        return CATALOGUE.get(self.language, _ENGLISH)

    def help(self) -> str:
        texts = self.texts
        intro = texts.intro.format(assistant=self.assistant, workspace=self.workspace)
        return f"{intro}\n\n{texts.commands}"

    def unknown(self, word: str) -> str:
        return f"{self.texts.unknown.format(word=word)}\n\n{self.help()}"

    def new(self, title: str) -> str:
        return self.texts.new.format(title=title)

    def listing(self, conversations: list[Listed]) -> str:
        texts = self.texts
        if not conversations:
            return texts.list_empty
        lines = [texts.list_header]
        for number, item in enumerate(conversations, start=1):
            mark = f" {texts.current}" if item.current else ""
            lines.append(f"{number}. {item.name} ({_date(item.at)}){mark}")
        lines.append(texts.list_footer)
        return "\n".join(lines)

    def switched(self, title: str) -> str:
        return self.texts.switched.format(title=title)

    def switch_which(self) -> str:
        return self.texts.switch_which

    def switch_missing(self, number: int) -> str:
        return self.texts.switch_missing.format(number=number)

    def status(self, *, title: str, who: str, files: str) -> str:
        return self.texts.status.format(workspace=self.workspace, title=title, who=who, files=files)

    def assistant_answers(self) -> str:
        return self.texts.assistant_answers.format(assistant=self.assistant)

    def team_waiting(self) -> str:
        return self.texts.team_waiting

    def person_answers(self, person: str | None) -> str:
        return self.texts.person_answers.format(person=person or self.texts.someone)

    def files(self, files: list[Listed]) -> str:
        texts = self.texts
        if not files:
            return texts.files_none
        lines = [texts.files_header]
        lines += [f"{n}. {item.name} ({_date(item.at)})" for n, item in enumerate(files, 1)]
        return "\n".join(lines)

    def cleared(self) -> str:
        return self.texts.cleared

    def recorded(self, kind: str, title: str, link: str | None) -> str:
        text = self.texts.recorded.format(kind=kind, title=title)
        return f"{text}\n{link}" if link else text

    def record_empty(self, word: str) -> str:
        return self.texts.record_empty.format(word=word)


def _date(at: datetime) -> str:
    return at.strftime("%Y-%m-%d")
