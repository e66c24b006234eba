from bot.casedesk.app import main

main()
