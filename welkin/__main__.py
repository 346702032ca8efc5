from welkin.cli.main import app

app(prog_name="welkin")
