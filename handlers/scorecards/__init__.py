"""Worker scorecards (考核) in chat: /score."""
