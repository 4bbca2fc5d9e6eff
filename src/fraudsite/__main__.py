from fraudsite.cli import run

run()
