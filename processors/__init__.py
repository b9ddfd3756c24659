"""Pipeline stages. Each module holds one stage: plain logic, event in, events out."""
