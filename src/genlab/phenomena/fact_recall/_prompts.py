"""Closed-book fact prompts (written for genlab) and seeded in-context prompts.

A fact prompt is a sentence start whose continuation names one fact; the answer is its first word.
An in-context prompt carries its answer in the prompt itself: a key-value lookup table, or a few
labelled examples of an arbitrary word-to-label mapping.
"""

from __future__ import annotations

import random

CAPITALS = {
    "France": "Paris", "Germany": "Berlin", "Italy": "Rome", "Spain": "Madrid", "Portugal": "Lisbon", "Japan": "Tokyo", "China": "Beijing",
    "Russia": "Moscow", "England": "London", "the United Kingdom": "London", "Egypt": "Cairo", "Greece": "Athens", "Austria": "Vienna",
    "Poland": "Warsaw", "Ireland": "Dublin", "Norway": "Oslo", "Sweden": "Stockholm", "Finland": "Helsinki", "Denmark": "Copenhagen",
    "Hungary": "Budapest", "the Netherlands": "Amsterdam", "Belgium": "Brussels", "Switzerland": "Bern", "Canada": "Ottawa", "Mexico": "Mexico",
    "Argentina": "Buenos", "Peru": "Lima", "Chile": "Santiago", "Colombia": "Bogot", "Venezuela": "Caracas", "Cuba": "Havana", "India": "New",
    "Pakistan": "Islamabad", "Thailand": "Bangkok", "Vietnam": "Hanoi", "South Korea": "Seoul", "North Korea": "Pyongyang", "Indonesia": "Jakarta",
    "the Philippines": "Manila", "Iran": "Tehran", "Iraq": "Baghdad", "Syria": "Damascus", "Lebanon": "Beirut", "Israel": "Jerusalem",
    "Saudi Arabia": "Riyadh", "Turkey": "Ankara", "Kenya": "Nairobi", "Ethiopia": "Addis", "Nigeria": "Abuja", "Ghana": "Accra", "Morocco": "Rabat",
    "Australia": "Canberra", "New Zealand": "Wellington", "Ukraine": "Kyiv", "Romania": "Bucharest", "Bulgaria": "Sofia", "Serbia": "Belgrade",
    "the Czech Republic": "Prague", "Scotland": "Edinburgh", "Wales": "Cardiff", "Iceland": "Reykjavik", "Afghanistan": "Kabul", "Nepal": "Kathmandu",
    "Bangladesh": "Dhaka", "Malaysia": "Kuala", "Singapore": "Singapore", "Qatar": "Doha", "Jordan": "Amman", "Libya": "Tripoli", "Sudan": "Khartoum",
}

OTHER_FACTS = [
    ("The chemical symbol for gold is", "Au"), ("The chemical symbol for iron is", "Fe"), ("The chemical symbol for sodium is", "Na"),
    ("Water is made of hydrogen and", "oxygen"), ("The largest planet in the solar system is", "Jupiter"), ("The planet closest to the Sun is", "Mercury"),
    ("The Red Planet is", "Mars"), ("The Earth orbits the", "Sun"), ("The Moon orbits the", "Earth"), ("The largest ocean on Earth is the", "Pacific"),
    ("The longest river in Africa is the", "Nile"), ("The tallest mountain in the world is Mount", "Everest"), ("The largest desert in Africa is the", "Sahara"),
    ("Romeo and Juliet was written by William", "Shakespeare"), ("The theory of relativity was developed by Albert", "Einstein"),
    ("The Mona Lisa was painted by Leonardo da", "Vinci"), ("The first president of the United States was George", "Washington"),
    ("The author of Harry Potter is J. K.", "Rowling"), ("The Eiffel Tower is in", "Paris"), ("The Statue of Liberty is in New", "York"),
    ("The Great Wall is in", "China"), ("The Colosseum is in", "Rome"), ("The Taj Mahal is in", "India"), ("The pyramids of Giza are in", "Egypt"),
    ("Big Ben is in", "London"), ("The official language of Brazil is", "Portuguese"), ("The official language of Mexico is", "Spanish"),
    ("People in Germany speak", "German"), ("People in France speak", "French"), ("People in Italy speak", "Italian"), ("People in Japan speak", "Japanese"),
    ("The currency of Japan is the", "yen"), ("The currency of the United Kingdom is the pound", "sterling"), ("The currency of India is the", "rupee"),
    ("A week has seven", "days"), ("A year has twelve", "months"), ("There are twenty-four hours in a", "day"), ("There are sixty minutes in an", "hour"),
    ("Ice is frozen", "water"), ("Bees make", "honey"), ("Cows give", "milk"), ("The opposite of hot is", "cold"), ("The opposite of up is", "down"),
    ("The opposite of black is", "white"), ("The color of the sky on a clear day is", "blue"), ("The color of grass is", "green"),
    ("A baby cat is called a", "kitten"), ("A baby dog is called a", "puppy"), ("The king of the jungle is the", "lion"),
    ("The largest mammal in the world is the blue", "whale"), ("The fastest land animal is the", "cheetah"), ("Spiders have eight", "legs"),
    ("The freezing point of water in degrees Celsius is", "0"), ("The boiling point of water in degrees Celsius is", "100"),
    ("The square root of 81 is", "9"), ("Two plus two equals", "4"), ("The first letter of the English alphabet is", "A"),
    ("Christmas is celebrated on December", "25"), ("The Titanic sank in the Atlantic", "Ocean"), ("The Amazon rainforest is mostly in", "Brazil"),
    ("Python is a programming", "language"), ("The author of Pride and Prejudice is Jane", "Austen"), ("The composer of the Fifth Symphony is Ludwig van", "Beethoven"),
]


def fact_prompts() -> list[tuple[str, str]]:
    """Every candidate fact as (prompt, answer): the capitals, then the other facts."""
    return [(f"The capital of {country} is", city) for country, city in CAPITALS.items()] + list(OTHER_FACTS)


KEYS = ["apple", "river", "candle", "tiger", "window", "garden", "pencil", "rocket", "violin", "marble", "island", "forest", "copper", "ladder", "mirror",
        "basket", "dragon", "helmet", "jacket", "lemon", "magnet", "needle", "orange", "parrot", "saddle", "tunnel", "wallet", "anchor", "bottle", "cactus"]
LABELS = ["foo", "bar"]


ICL_CHANCE = {"lookup": (1 + 4 / 90) / 5, "classification": 1 / 2}
"""Per kind of in-context prompt, the accuracy of a guess among the answers the prompt offers: one
of the table's five places (its own, or another holding the same of the 90 two-digit values); one
of the two labels (each prompt has three of each)."""


def in_context_kind(prompt: str) -> str:
    """``lookup`` or ``classification``: which kind of :func:`in_context_prompts` prompt this is."""
    return "lookup" if prompt.startswith("Table:") else "classification"


def in_context_prompts(count: int, seed: int = 0) -> list[tuple[str, str]]:
    """``count`` in-context prompts, half key-value lookups and half in-context classification,
    drawn with ``seed``; the answer is always in the prompt."""
    rng = random.Random(seed)
    out = []
    for i in range(count):
        if i % 2 == 0:  # key-value lookup: five pairs, then one key again
            keys = rng.sample(KEYS, 5)
            values = [str(rng.randint(10, 99)) for _ in keys]
            table = ", ".join(f"{k}={v}" for k, v in zip(keys, values))
            j = rng.randrange(5)
            out.append((f"Table: {table}. Lookup: {keys[j]}=", values[j]))
        else:  # classification: six labelled words, a label per word fixed in the prompt; query one of them
            keys = rng.sample(KEYS, 6)
            labels = [LABELS[k % 2] for k in range(6)]
            rng.shuffle(labels)
            lines = "\n".join(f"{k}: {lab}" for k, lab in zip(keys, labels))
            j = rng.randrange(6)
            out.append((f"{lines}\n{keys[j]}:", labels[j]))
    return out
