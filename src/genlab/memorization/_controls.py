"""Control texts for text-memorization tests: texts a pretrained model cannot have trained on."""

# Written for genlab (2026-11-27) in the King James register; not quotations, so no model trained on them.
FRESH_KJV_STYLE = [
    "And the keeper of the vineyard rose early in the morning, and he numbered the baskets that were left by the gate, and behold, there were twelve, and he was glad.",
    "Then spake the elder unto the young men that sat in the shade of the cedar, saying, Why tarry ye here when the fields are white and the labourers are few?",
    "And it came to pass in the seventh month, that the river rose above his banks, and the people of the low country fled unto the hills with their flocks and their children.",
    "Hearken unto me, O ye that dwell by the sea, for the wind that cometh out of the north shall not always blow, and the ships that are broken shall be mended.",
    "And the potter took the clay that was marred in his hand, and he made it again another vessel, even a cup for the table of the widow that dwelt by the well.",
    "Behold, the lamp that was set upon the wall burned all the night, and the watchman said unto his fellow, Surely the oil of this house faileth not.",
    "And when the caravan was come unto the wells of the desert, the camels knelt down, and the merchants drew water and gave to every beast before they drank themselves.",
    "Wherefore I say unto thee, build not thine house upon the sand of the river, but dig deep and lay the stones upon the rock, that the flood shall not carry it away.",
    "And the shepherd counted the sheep as they passed under his rod at the door of the fold, and one was missing, and he went out into the dark to seek it.",
    "Then the scribe wrote all these words in a book, and sealed it with the seal of the city, and laid it up in the house of records until the day of the feast.",
    "And the women of the town brought bread and figs and raisins unto the travellers, for they had come a long journey, and their feet were sore from the stones of the way.",
    "Let the labourer that hath worked from the third hour receive his wage before the sun goeth down, for his children wait for him at the door of his tent.",
    "And the smith heated the iron in the furnace seven times, and beat it upon the anvil, until the blade was strong enough to cleave the oak that grew by the gate.",
    "O thou that keepest the gate of the garden, open unto me, for I have walked all the night through the valley, and my lamp hath gone out in the wind.",
    "And the fishermen cast their nets on the left side of the boat all the morning and took nothing, and at noon they cast on the right side and the nets were full.",
    "Then the king sent messengers unto all the villages of the plain, saying, Bring me the eldest of every house, that I may hear their counsel concerning the harvest.",
    "And the child asked his mother, Wherefore do the stars not fall upon the earth? and she said, Because he that hung them there holdeth them by his word.",
    "Remember the weaver that sat at her loom in the winter, and the garments she wove for the poor of the city, for her work was not forgotten in the spring.",
    "And the builders laid the last stone upon the tower in the month of harvest, and all the people gathered in the square and sang until the evening came.",
    "Woe unto the merchant that weigheth with a false balance in the market, for his neighbours shall know it, and his bread shall be bitter in his mouth.",
    "And the traveller sat down by the fire of the shepherds, and they gave him milk and cheese, and asked him of the cities beyond the mountains toward the sea.",
    "Go thou unto the ant upon the threshing floor and watch her carry the grain, for she saveth in the summer that which she shall eat in the cold of the year.",
    "And the old man planted an olive tree in the corner of his field, though he knew that he should not eat of its fruit, for he planted it for his grandchildren.",
    "Then the rain came upon the land after three years of drought, and the farmers stood in their fields with their faces lifted up, and the dust became mire.",
]
